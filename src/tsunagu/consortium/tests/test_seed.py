"""The demo data: what the issue asks for, deterministic and idempotent."""

from __future__ import annotations

import importlib
import io

from tsunagu.consortium import selectors
from tsunagu.consortium.models import (
    BusinessArea,
    HarmonisationItem,
    JointUseGroup,
    Meeting,
    Position,
    StepProgress,
    WorkingGroup,
)
from tsunagu.consortium.reference import NATIONAL_AREAS, STEP_COUNT
from tsunagu.consortium.seed import consortium_seed
from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (JointUseGroup, WorkingGroup, HarmonisationItem, Position, Meeting, StepProgress)
    )


def test_seed_is_idempotent_and_has_what_the_demo_needs(db):
    hino = make_user(Role.MUNI_STAFF, "132128", username="hino-staff")
    koganei = make_user(Role.MUNI_STAFF, "132101", username="koganei-staff")
    out = io.StringIO()
    first = consortium_seed(stdout=out)
    assert first["groups"] == 3 and "Joint-use groups: 3 new" in out.getvalue()
    counts = _counts()
    again = consortium_seed()
    assert again == {"groups": 0, "working_groups": 0, "items": 0, "meetings": 0}
    assert _counts() == counts

    tjc = JointUseGroup.objects.get(slug="tjc")
    members = {m.organization.code: m for m in tjc.memberships.select_related("organization")}
    assert {c for c, m in members.items() if m.status == "member"} == {"132021", "132047", "132128"}
    assert members["132101"].status == "joining"
    assert members["132101"].cut_over_on.year in (2027, 2028)
    assert WorkingGroup.objects.filter(group=tjc).count() == 64
    assert WorkingGroup.objects.filter(group=tjc, area__national=True).count() == 20
    assert WorkingGroup.objects.filter(group=tjc, lead__code="132128").exists()
    assert (
        tjc.bodies.filter(kind="council").exists()
        and tjc.bodies.filter(kind="secretariat").exists()
    )
    items = HarmonisationItem.objects.filter(group=tjc)
    assert 250 <= items.count() <= 500
    assert set(items.values_list("status", flat=True)) == {
        "open",
        "discussion",
        "decided",
        "withdrawn",
    }
    assert items.exclude(requirement_id="").exists() and items.filter(blocking=True).exists()
    assert tjc.item_seq == items.count()
    # A meeting of a 日野市-led working group has items ready for 日野市's decision.
    ready = selectors.waiting(actor=hino).ready
    assert ready and all(i.working_group.lead.code == "132128" for i in ready)
    planned = Meeting.objects.filter(working_group__lead__code="132128", status="planned")
    assert planned.filter(agenda__item__in=ready).exists()
    # 小金井市 has an onboarding with an alert, and decisions this month show on the dashboard.
    ob = selectors.onboarding(actor=koganei, group=tjc, code="132101")
    assert len(ob.lanes) == 64 and ob.blockers and 0 < ob.positioned < ob.total
    assert selectors.dashboard(actor=koganei, group=tjc).decided_this_month > 0

    west = JointUseGroup.objects.get(slug="nishitama4")
    assert set(west.memberships.values_list("organization__code", flat=True)) == {
        "133035",
        "133051",
        "133078",
        "133086",
    }
    assert WorkingGroup.objects.filter(group=west).count() == 18
    assert not Position.objects.filter(item__group=west, stance__in=["keep", "customise"]).exists()
    kht = JointUseGroup.objects.get(slug="kht3")
    assert WorkingGroup.objects.filter(group=kht).count() == 8
    assert StepProgress.objects.filter(group=tjc, step__gt=STEP_COUNT).count() == 0


def test_the_migration_loads_the_20_national_areas(db):
    migration = importlib.import_module("tsunagu.consortium.migrations.0002_national_areas")
    assert [(c, n, e) for c, n, e in migration.AREAS] == [
        (a.code, a.name, a.name_en) for a in NATIONAL_AREAS
    ]
    assert BusinessArea.objects.filter(national=True).count() == 20
