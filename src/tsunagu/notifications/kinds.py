"""The kinds of notification. Later features register theirs here.

Each kind has a title and body template (translated at send time into the recipient's language)
and default channels. Users can switch each channel per kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    title: str | Promise
    body: str | Promise
    in_app: bool = True
    email: bool = True
    mandatory: bool = False  # security notices cannot be switched off


KINDS: dict[str, Kind] = {
    k.key: k
    for k in [
        Kind(
            "security.mfa_changed",
            _("Changes to your sign-in security"),
            _("Your sign-in security was changed"),
            _("%(change)s. If this was not you, contact your administrator at once."),
            mandatory=True,
        ),
        Kind(
            "security.api_token",
            _("API tokens"),
            _("An API token was issued"),
            _("A token named “%(name)s” was issued for your account."),
        ),
        Kind(
            "organization.updated",
            _("Organisation profile changes"),
            _("Your organisation's profile was updated"),
            _("%(actor)s changed: %(fields)s."),
            email=False,
        ),
        Kind(
            "organization.mfa_policy",
            _("Organisation security policy"),
            _("Two-step sign-in is now required"),
            _(
                "Your organisation now requires a security key or authenticator app. "
                "Register one at your next sign-in."
            ),
            mandatory=True,
        ),
        Kind(
            "job.finished",
            _("Background jobs"),
            _("“%(label)s” has finished"),
            _("The job you started has finished: %(status)s."),
            email=False,
        ),
        Kind(
            "audit.chain_broken",
            _("Audit trail integrity"),
            _("The audit trail failed verification"),
            _("%(faults)s problem(s) were found in the audit chain. Investigate at once."),
            mandatory=True,
        ),
        Kind(
            "gateway.review_needed",
            _("Gateway change requests to review"),
            _("%(ref)s awaits review"),
            _("“%(title)s” was verified as a %(risk)s change and needs a reviewer."),
        ),
        Kind(
            "gateway.request_decided",
            _("Decisions on your gateway requests"),
            _("%(ref)s: %(state)s"),
            _("Your request “%(title)s” is now: %(state)s."),
        ),
        Kind(
            "gateway.request_applied",
            _("Gateway changes applied"),
            _("%(ref)s is live"),
            _("“%(title)s” was applied in policy version %(version)s."),
        ),
        Kind(
            "gateway.comment",
            _("Comments on gateway requests"),
            _("New comment on %(ref)s"),
            _("Someone commented on “%(title)s”."),
            email=False,
        ),
        Kind(
            "gateway.rule_expiring",
            _("Gateway rules about to expire"),
            _("A rule expires on %(date)s"),
            _("“%(rule)s” expires in %(days)s day(s). Request an extension if it is still needed."),
        ),
        Kind(
            "gateway.recertification",
            _("Yearly rule recertification"),
            _("Confirm your gateway rules"),
            _("Confirm or drop %(count)s rule(s) by %(due)s."),
        ),
        Kind(
            "gateway.train_failed",
            _("Release train failures"),
            _("Release of version %(version)s failed"),
            _("The rendered configuration was refused: %(error)s"),
            mandatory=True,
        ),
    ]
}
