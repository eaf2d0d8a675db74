"""Demo data: a plausible network model for every organisation (after the gateway seed, whose
address plan is the models' address section)."""

from __future__ import annotations

import datetime as dt

from tsunagu.core.models import Organization

from . import adapters, demo, services
from .models import NetworkModel

KIND_NAMES = {"都": "prefecture", "区": "ward", "市": "city", "町": "town", "村": "village"}


def network_seed_all() -> int:
    """Seed every organisation that has no model yet; returns how many were created."""
    made = 0
    orgs = list(Organization.objects.order_by("code"))
    have = set(NetworkModel.objects.values_list("organization_id", flat=True))
    for index, org in enumerate(orgs, start=1):
        if org.pk in have:
            continue
        doc = demo.demo_document(
            code=org.code,
            name=org.name,
            kind=KIND_NAMES.get(org.kind, str(org.kind)),
            index=index,
            prefix_plan=adapters.address_plan(org.code),
        )
        renewal = demo.KOGANEI_RENEWAL if org.code == demo.KOGANEI else None
        services.network_seed(
            organization=org,
            document=doc,
            moves=demo.DEMO_MOVES.get(org.code, []),
            consent=org.code in demo.DEMO_CONSENT,
            contact_note=f"{org.name} 情報政策担当" if org.code in demo.DEMO_CONSENT else "",
            renewal_target=str(renewal["target"]) if renewal else "",
            renewal_due=dt.date.fromisoformat(str(renewal["due"])) if renewal else None,
        )
        made += 1
    return made
