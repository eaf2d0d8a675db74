"""Reads of core data, always scoped to the actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .errors import NotFound, PermissionDenied
from .models import AuditEntry, Job, Organization
from .permissions import Actor, can
from .roles import Cap

if TYPE_CHECKING:
    from tsunagu.accounts.models import User


def organization_list(
    *,
    actor: Actor,
    kind: str | None = None,
    region: str | None = None,
    query: str | None = None,
) -> QuerySet[Organization]:
    """The directory of all 63 organisations: public facts every signed-in user may read."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    qs = Organization.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region=region)
    if query:
        q = query.strip()
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(name_kana__icontains=q)
            | Q(name_en__icontains=q)
            | Q(code__startswith=q)
        )
    return qs.order_by("code")


def organization_get(*, actor: Actor, code: str) -> Organization:
    if not actor.is_authenticated:
        raise PermissionDenied()
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise NotFound()
    return org


def organization_can_edit(*, actor: Actor, organization: Organization) -> bool:
    if can(actor, Cap.ORG_EDIT_ANY):
        return True
    return can(actor, Cap.ORG_EDIT_OWN) and actor.organization_id == organization.pk


def member_list(*, actor: Actor, organization: Organization) -> QuerySet[User]:
    """Members of an organisation, for those who may see them (own org, or Tokyo-wide roles)."""
    from tsunagu.accounts.models import User

    if can(actor, Cap.MEMBERS_VIEW_ANY) or (
        can(actor, Cap.MEMBERS_VIEW_OWN) and actor.organization_id == organization.pk
    ):
        return with_mfa_flag(
            User.objects.filter(organization=organization, is_active=True)
        ).order_by("role", "username")
    return User.objects.none()


def with_mfa_flag(users: QuerySet[User]) -> QuerySet[User]:
    """Annotate ``mfa_on`` in the query, instead of two queries per user via ``has_mfa``."""
    from django.db.models import Exists, OuterRef

    from tsunagu.accounts.models import TotpDevice, WebAuthnCredential

    return users.annotate(
        mfa_on=Exists(WebAuthnCredential.objects.filter(user=OuterRef("pk")))
        | Exists(TotpDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )


def audit_entry_list(
    *,
    actor: Actor,
    organization_code: str | None = None,
    action_prefix: str | None = None,
) -> QuerySet[AuditEntry]:
    """Auditors and platform admins see every entry; a CIO sees their organisation's."""
    if can(actor, Cap.AUDIT_VIEW_ANY):
        qs = AuditEntry.objects.all()
    elif can(actor, Cap.AUDIT_VIEW_OWN):
        qs = AuditEntry.objects.filter(organization_id=actor.organization_id)
    else:
        raise PermissionDenied()
    if organization_code:
        qs = qs.filter(organization__code=organization_code)
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return qs.select_related("organization").order_by("-seq")


def job_list(*, actor: Actor) -> QuerySet[Job]:
    if not actor.is_authenticated:
        raise PermissionDenied()
    if can(actor, Cap.JOBS_VIEW_ANY):
        return Job.objects.all()
    return Job.objects.filter(owner_id=actor.pk)


def job_get(*, actor: Actor, job_id: int) -> Job:
    job = job_list(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def network_model_counts(*, actor: Actor) -> list[tuple[str, str, int]]:
    """(model value, label, count) over the 62 municipalities; aggregate facts for all users."""
    from django.db.models import Count

    from .models import NetworkModel, OrgKind

    if not actor.is_authenticated:
        raise PermissionDenied()
    counts = dict(
        Organization.objects.exclude(kind=OrgKind.METROPOLIS)
        .values_list("network_model")
        .annotate(n=Count("id"))
        .values_list("network_model", "n")
    )
    return [(m.value, str(m.label), counts.get(m.value, 0)) for m in NetworkModel]


def mfa_adoption_by_region(*, actor: Actor) -> list[tuple[str, int, int]]:
    """(region, members with a second factor, members) for Tokyo roles and auditors."""
    from django.db.models import Count, Q

    from tsunagu.accounts.models import User

    from .models import Region

    if not can(actor, Cap.MEMBERS_VIEW_ANY):
        raise PermissionDenied()
    rows = (
        with_mfa_flag(User.objects.filter(is_active=True))
        .values("organization__region")
        .annotate(total=Count("id"), with_mfa=Count("id", filter=Q(mfa_on=True)))
    )
    by_region = {r["organization__region"]: (r["with_mfa"], r["total"]) for r in rows}
    return [(str(reg.label), *by_region.get(reg.value, (0, 0))) for reg in Region]
