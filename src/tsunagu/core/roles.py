"""Roles and what each may do.

Permissions are enforced in selectors and services through :func:`can`; templates only use the
same function to decide what to show.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TOKYO_ADMIN = "tokyo_admin", _("Tokyo platform administrator")
    TOKYO_SECOPS = "tokyo_secops", _("Tokyo security-cloud operator")
    TOKYO_COORDINATOR = "tokyo_coordinator", _("Tokyo DX-support coordinator")
    MUNI_CIO = "muni_cio", _("Municipal CIO")
    MUNI_STAFF = "muni_staff", _("Municipal DX/IT staff")
    MUNI_DX_LEADER = "muni_dx_leader", _("Municipal DX leader")
    EXPERT = "expert", _("External expert")
    AUDITOR = "auditor", _("Auditor")


TOKYO_ROLES = frozenset({Role.TOKYO_ADMIN, Role.TOKYO_SECOPS, Role.TOKYO_COORDINATOR})
MUNICIPAL_ROLES = frozenset({Role.MUNI_CIO, Role.MUNI_STAFF, Role.MUNI_DX_LEADER})
# Roles whose members must use a second factor whatever their organisation decides.
MFA_MANDATORY_ROLES = TOKYO_ROLES | {Role.AUDITOR}


class Cap(enum.StrEnum):
    """Capabilities. A role grants a set; scope (own organisation or all) is part of the name."""

    ORG_EDIT_OWN = "org.edit_own"
    ORG_EDIT_ANY = "org.edit_any"
    ORG_SET_MFA_POLICY_OWN = "org.set_mfa_policy_own"
    MEMBERS_VIEW_OWN = "members.view_own"
    MEMBERS_VIEW_ANY = "members.view_any"
    AUDIT_VIEW_OWN = "audit.view_own"
    AUDIT_VIEW_ANY = "audit.view_any"
    AUDIT_VERIFY = "audit.verify"
    JOBS_VIEW_ANY = "jobs.view_any"
    GATEWAY_VIEW_OWN = "gateway.view_own"
    GATEWAY_VIEW_ANY = "gateway.view_any"
    GATEWAY_REQUEST_OWN = "gateway.request_own"  # file change requests for own organisation
    GATEWAY_REQUEST_SHARED = "gateway.request_shared"  # change the shared (都-wide) policy
    GATEWAY_REVIEW = "gateway.review"  # approve / reject requests of others
    GATEWAY_OPERATE = "gateway.operate"  # run the release train, roll back
    NETWORK_VIEW_OWN = "network.view_own"  # own network model, findings, what-if, report
    NETWORK_VIEW_ANY = "network.view_any"
    NETWORK_EDIT_OWN = "network.edit_own"
    NETWORK_EDIT_ANY = "network.edit_any"
    NETWORK_PEERS = "network.peers"  # model counts and consenting peers (no one's details)
    TALENT_REQUEST_OWN = "talent.request_own"  # file and follow own organisation's requests
    TALENT_VIEW_ANY = "talent.view_any"  # every request, proposal, visit and ledger
    TALENT_COORDINATE = "talent.coordinate"  # run matching, lock/exclude, manage the pool
    TALENT_EXPERT = "talent.expert"  # answer offers, schedule and report own visits
    VOICES_FILE_OWN = "voices.file_own"  # file, co-sign, reply to and close own org's voices
    VOICES_RESPOND = "voices.respond"  # 都 units: acknowledge, route, answer, merge voices
    VOICES_VIEW_ANY = "voices.view_any"  # every voice whatever its visibility
    FORUM_READ = "forum.read"  # meetings, articles, Q&A, peer projects, search
    FORUM_CONTRIBUTE = "forum.contribute"  # ask, answer, write articles, own projects
    FORUM_MANAGE = "forum.manage"  # forum meetings, agendas, minutes, follow-up actions
    CONSORTIUM_VIEW_ANY = "consortium.view_any"  # every joint-use group (cross-group view)
    CONSORTIUM_TAKE_PART = "consortium.take_part"  # positions, minutes, decisions for own org
    WRITE = "write"  # may change anything at all (auditors may not)


_ALL_WRITE = {Cap.WRITE}
FORUM_TOKYO_CAPS = frozenset(
    {
        Cap.VOICES_RESPOND,
        Cap.VOICES_VIEW_ANY,
        Cap.FORUM_READ,
        Cap.FORUM_CONTRIBUTE,
        Cap.FORUM_MANAGE,
        Cap.CONSORTIUM_VIEW_ANY,
    }
)
FORUM_MUNICIPAL_CAPS = frozenset(
    {Cap.VOICES_FILE_OWN, Cap.FORUM_READ, Cap.FORUM_CONTRIBUTE, Cap.CONSORTIUM_TAKE_PART}
)
ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.TOKYO_ADMIN: frozenset(
        {
            Cap.WRITE,
            Cap.ORG_EDIT_ANY,
            Cap.ORG_EDIT_OWN,
            Cap.MEMBERS_VIEW_ANY,
            Cap.MEMBERS_VIEW_OWN,
            Cap.AUDIT_VIEW_ANY,
            Cap.AUDIT_VIEW_OWN,
            Cap.AUDIT_VERIFY,
            Cap.JOBS_VIEW_ANY,
            Cap.GATEWAY_VIEW_ANY,
            Cap.GATEWAY_VIEW_OWN,
            Cap.GATEWAY_REQUEST_SHARED,
            Cap.GATEWAY_REVIEW,
            Cap.GATEWAY_OPERATE,
            Cap.NETWORK_VIEW_ANY,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_EDIT_ANY,
            Cap.NETWORK_EDIT_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_VIEW_ANY, Cap.TALENT_COORDINATE}
        | FORUM_TOKYO_CAPS
    ),
    Role.TOKYO_SECOPS: frozenset(
        _ALL_WRITE
        | {
            Cap.MEMBERS_VIEW_OWN,
            Cap.GATEWAY_VIEW_ANY,
            Cap.GATEWAY_VIEW_OWN,
            Cap.GATEWAY_REQUEST_SHARED,
            Cap.GATEWAY_REVIEW,
            Cap.GATEWAY_OPERATE,
            Cap.NETWORK_VIEW_ANY,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_VIEW_ANY}
        | {Cap.VOICES_RESPOND, Cap.VOICES_VIEW_ANY, Cap.FORUM_READ, Cap.FORUM_CONTRIBUTE}
        | {Cap.CONSORTIUM_VIEW_ANY}
    ),
    Role.TOKYO_COORDINATOR: frozenset(
        _ALL_WRITE
        | {Cap.MEMBERS_VIEW_OWN, Cap.MEMBERS_VIEW_ANY, Cap.GATEWAY_VIEW_ANY, Cap.NETWORK_PEERS}
        | {Cap.TALENT_VIEW_ANY, Cap.TALENT_COORDINATE}
        | FORUM_TOKYO_CAPS
    ),
    Role.MUNI_CIO: frozenset(
        _ALL_WRITE
        | {
            Cap.ORG_EDIT_OWN,
            Cap.ORG_SET_MFA_POLICY_OWN,
            Cap.MEMBERS_VIEW_OWN,
            Cap.AUDIT_VIEW_OWN,
            Cap.GATEWAY_VIEW_OWN,
            Cap.GATEWAY_REQUEST_OWN,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_EDIT_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_REQUEST_OWN}
        | FORUM_MUNICIPAL_CAPS
    ),
    Role.MUNI_STAFF: frozenset(
        _ALL_WRITE
        | {
            Cap.ORG_EDIT_OWN,
            Cap.MEMBERS_VIEW_OWN,
            Cap.GATEWAY_VIEW_OWN,
            Cap.GATEWAY_REQUEST_OWN,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_EDIT_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_REQUEST_OWN}
        | FORUM_MUNICIPAL_CAPS
    ),
    Role.MUNI_DX_LEADER: frozenset(
        _ALL_WRITE
        | {
            Cap.MEMBERS_VIEW_OWN,
            Cap.GATEWAY_VIEW_OWN,
            Cap.GATEWAY_REQUEST_OWN,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_REQUEST_OWN}
        | FORUM_MUNICIPAL_CAPS
    ),
    Role.EXPERT: frozenset(_ALL_WRITE | {Cap.TALENT_EXPERT, Cap.FORUM_READ}),
    Role.AUDITOR: frozenset(
        {
            Cap.MEMBERS_VIEW_ANY,
            Cap.MEMBERS_VIEW_OWN,
            Cap.AUDIT_VIEW_ANY,
            Cap.AUDIT_VIEW_OWN,
            Cap.AUDIT_VERIFY,
            Cap.JOBS_VIEW_ANY,
            Cap.GATEWAY_VIEW_ANY,
            Cap.GATEWAY_VIEW_OWN,
            Cap.NETWORK_VIEW_ANY,
            Cap.NETWORK_VIEW_OWN,
            Cap.NETWORK_PEERS,
        }
        | {Cap.TALENT_VIEW_ANY}
        | {Cap.VOICES_VIEW_ANY, Cap.FORUM_READ, Cap.CONSORTIUM_VIEW_ANY}
    ),
}
