"""Rules over time: expiry notices (30 and 7 days ahead), yearly recertification, auto-close."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.models import Organization
from tsunagu.engines.policy import model as m

from . import adapters
from .models import ChangeRequest, ChangeState, Recertification, RuleNotice
from .selectors import active_version

NOTICE_DAYS = (7, 30)  # the nearest threshold that applies is the one sent
CLOSE_AFTER = dt.timedelta(days=7)


def _owner(username: str, org_code: str):  # type: ignore[no-untyped-def]
    from tsunagu.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first() if username else None
    if user is None:
        user = User.objects.filter(
            organization__code=org_code, role="muni_cio", is_active=True
        ).first()
    return user


def expiry_notices_send(*, today: dt.date | None = None) -> int:
    """Tell each owner once, 30 and again 7 days before a rule or domain entry expires."""
    from tsunagu.notifications.services import notification_send

    today = today or timezone.localdate()
    version = active_version()
    if version is None:
        return 0
    snapshot = adapters.snapshot_of(version)
    sent = 0
    for code, section in sorted(snapshot.orgs.items()):
        items = [(r.uid, r.expires, r.owner, r.comment or r.uid) for r in section.rules]
        items += [(d.uid, d.expires, d.owner, d.pattern) for d in section.domains]
        for uid, expires, owner, label in items:
            if expires is None or expires < today:
                continue
            left = (expires - today).days
            for days in NOTICE_DAYS:
                if left > days:
                    continue
                try:
                    with transaction.atomic():
                        RuleNotice.objects.create(
                            section=code,
                            rule_uid=uid,
                            kind=f"expiry_{days}",
                            sent_at=timezone.now(),
                        )
                        user = _owner(owner, code)
                        if user is not None:
                            notification_send(
                                recipients=[user],
                                kind="gateway.rule_expiring",
                                params={"rule": label, "date": expires.isoformat(), "days": left},
                                url=f"/gateway/policy/{code}/",
                            )
                        sent += 1
                except IntegrityError:
                    pass  # already told
                break
    return sent


def _summary(rule: m.FirewallRule, dests: str, ports: str) -> str:
    text = f"{rule.action} {' '.join(rule.sources)} → {dests} {rule.protocol}/{ports}"
    return text[:300]


def recertification_open(*, today: dt.date | None = None) -> int:
    """From the yearly opening date on, ask every rule owner to confirm or drop each rule."""
    from tsunagu.notifications.services import notification_send

    today = today or timezone.localdate()
    opening = dt.date(today.year, settings.GATEWAY_RECERT_MONTH, settings.GATEWAY_RECERT_DAY)
    if today < opening or Recertification.objects.filter(year=today.year).exists():
        return 0
    version = active_version()
    if version is None:
        return 0
    snapshot = adapters.snapshot_of(version)
    orgs = {o.code: o for o in Organization.objects.all()}
    due = today + dt.timedelta(days=60)
    created = 0
    owners: dict[int, int] = {}
    with transaction.atomic():
        for code, section in sorted(snapshot.orgs.items()):
            for rule in section.rules:
                if rule.expires is not None or code not in orgs:
                    continue  # temporary rules end by themselves
                dests = ", ".join(rule.destinations[:3])
                ports = ",".join(str(p) for p in rule.ports) or "any"
                Recertification.objects.create(
                    year=today.year,
                    organization=orgs[code],
                    rule_uid=rule.uid,
                    summary=_summary(rule, dests, ports),
                    due=due,
                )
                created += 1
                user = _owner(rule.owner, code)
                if user is not None:
                    owners[user.pk] = owners.get(user.pk, 0) + 1
        audit_record(
            actor=None,
            action="gateway.recertification_opened",
            organization=None,
            extra={"year": today.year, "rules": created},
        )
        from tsunagu.accounts.models import User

        for user in User.objects.filter(pk__in=owners):
            notification_send(
                recipients=[user],
                kind="gateway.recertification",
                params={"count": owners[user.pk], "due": due.isoformat()},
                url="/gateway/recertification/",
            )
    return created


def applied_requests_close(*, now: dt.datetime | None = None) -> int:
    """Close requests applied more than a week ago that their requester has not closed."""
    from .services import change_request_close

    now = now or timezone.now()
    closed = 0
    for req in ChangeRequest.objects.filter(
        state=ChangeState.APPLIED, applied_at__lt=now - CLOSE_AFTER
    ):
        change_request_close(actor=None, request=req, now=now)
        closed += 1
    return closed
