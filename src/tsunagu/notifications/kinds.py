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
        Kind(
            "talent.request_submitted",
            _("New expert requests"),
            _("New request for an expert: %(title)s"),
            _("%(org)s asks for help with “%(title)s”. It will be included in the next matching."),
        ),
        Kind(
            "talent.proposed",
            _("Expert candidates proposed"),
            _("Candidates for “%(title)s”"),
            _("%(count)s expert(s) are proposed. Rank them so the first can be asked."),
        ),
        Kind(
            "talent.unmatched",
            _("Requests that could not be matched"),
            _("No expert could be proposed for “%(title)s”"),
            _("%(reason)s See the request for what would make it possible."),
        ),
        Kind(
            "talent.offer",
            _("Offers to experts"),
            _("You are asked to support %(org)s"),
            _("“%(title)s”: please accept or decline by %(deadline)s."),
        ),
        Kind(
            "talent.offer_answered",
            _("Answers of experts"),
            _("%(expert)s %(answer)s “%(title)s”"),
            _("The expert answered your request."),
        ),
        Kind(
            "talent.visit_scheduled",
            _("Visits scheduled"),
            _("Visit on %(date)s: %(title)s"),
            _("%(expert)s visits %(org)s on %(date)s (%(mode)s)."),
        ),
        Kind(
            "talent.report_due",
            _("Visit reports due"),
            _("Visit report due by %(due)s"),
            _("Please report your visit of %(date)s to %(org)s by %(due)s."),
        ),
        Kind(
            "talent.report_submitted",
            _("Visit reports"),
            _("Report of the visit on %(date)s"),
            _("%(expert)s reported the visit on “%(title)s”."),
        ),
        Kind(
            "talent.follow_up",
            _("Outcome follow-ups"),
            _("One year on: how did “%(title)s” go?"),
            _("Tell us what changed thanks to the expert's support (a few minutes)."),
        ),
        Kind(
            "talent.artifact_reused",
            _("Reuse of your know-how"),
            _("%(org)s reused “%(title)s”"),
            _("Your artifact is helping another municipality."),
            email=False,
        ),
        # Joint-use groups (consortium): items waiting on me.
        Kind(
            "consortium.position_needed",
            _("Joint-use items waiting for your position"),
            _("%(ref)s needs your position"),
            _("“%(title)s” was raised in %(group)s. File your organisation's position."),
        ),
        Kind(
            "consortium.items_imported",
            _("Joint-use items imported"),
            _("%(count)s new item(s) in %(group)s"),
            _("New harmonisation items were imported and wait for your position."),
        ),
        Kind(
            "consortium.ready_to_decide",
            _("Joint-use items ready for a decision"),
            _("%(ref)s is ready for a decision"),
            _("Enough members have filed their position on “%(title)s”."),
        ),
        Kind(
            "consortium.item_decided",
            _("Decisions in your joint-use groups"),
            _("%(ref)s was decided: %(decision)s"),
            _("“%(title)s” was decided. A joining member accepts it by filing its position."),
        ),
        Kind(
            "consortium.blocking_due",
            _("Blocking joint-use items due soon"),
            _("%(ref)s is due on %(due)s"),
            _("“%(title)s” blocks a cut-over and is not settled yet."),
        ),
        Kind(
            "consortium.action_assigned",
            _("Follow-up actions assigned to you"),
            _("New action: %(title)s"),
            _("%(group)s asks your organisation to do this by %(due)s."),
        ),
        Kind(
            "consortium.action_due",
            _("Follow-up actions due"),
            _("Action due on %(due)s"),
            _("“%(title)s” is due. Mark it done when it is."),
        ),
        # Voices to 都 (the unit that answers; the subscribers of a voice).
        Kind(
            "voices.filed",
            _("New voices for your unit"),
            _("%(ref)s: a new voice from %(org)s"),
            _("“%(title)s” was filed and is routed to your unit. Acknowledge it."),
        ),
        Kind(
            "voices.status",
            _("Voices you follow: status"),
            _("%(ref)s is now “%(status)s”"),
            _("“%(title)s” moved to “%(status)s”."),
        ),
        Kind(
            "voices.routed",
            _("Voices handed to another unit"),
            _("%(ref)s was handed to %(unit)s"),
            _("“%(title)s” is now with %(unit)s."),
        ),
        Kind(
            "voices.answered",
            _("Voices you follow: answers"),
            _("%(ref)s was answered (%(decision)s)"),
            _("Tokyo answered “%(title)s”. Read the answer and its reasons; you may reply."),
        ),
        Kind(
            "voices.delayed",
            _("Voices you follow: delays"),
            _("%(ref)s: the answer is delayed to %(date)s"),
            _("The answer to “%(title)s” is late; read the delay note."),
        ),
        Kind(
            "voices.replied",
            _("Replies to answers"),
            _("%(ref)s: the requester replied"),
            _("The requester replied to the answer on “%(title)s”."),
        ),
        Kind(
            "voices.cosigned",
            _("Voices you follow: co-signatures"),
            _("%(ref)s was co-signed by %(org)s"),
            _("%(org)s supports “%(title)s”."),
            email=False,
        ),
        Kind(
            "voices.agenda",
            _("Voices on the CIO-forum agenda"),
            _("%(ref)s goes to the CIO forum"),
            _("“%(title)s” reached %(count)s co-signing organisations and is on the next agenda."),
        ),
        Kind(
            "voices.merged",
            _("Voices you follow: merges"),
            _("%(ref)s was merged into %(into)s"),
            _("“%(title)s” was merged; its support now counts for %(into)s."),
        ),
        Kind(
            "voices.outcome",
            _("Voices you follow: outcomes"),
            _("%(ref)s led to a change"),
            _("Because of “%(title)s”: %(outcome)s."),
        ),
        Kind(
            "voices.overdue",
            _("Overdue voices of your unit"),
            _("%(ref)s: the %(target)s is overdue"),
            _("“%(title)s” is past its published target. Act, or write a delay note."),
        ),
        Kind(
            "forum.connect_requested",
            _("Connect requests to your projects"),
            _("%(org)s would like to connect about “%(title)s”"),
            _("Read the message and accept or decline the introduction."),
        ),
        Kind(
            "forum.connect_accepted",
            _("Introductions to peer projects"),
            _("You are introduced to %(name)s (%(org)s)"),
            _("The connect request was accepted. Their name, e-mail and department are shown."),
        ),
        Kind(
            "forum.connect_declined",
            _("Declined connect requests"),
            _("%(org)s declined the connect request"),
            _("The team of “%(title)s” cannot take your request now."),
            email=False,
        ),
        Kind(
            "forum.follow_up_assigned",
            _("Forum follow-up actions for your organisation"),
            _("Follow-up action due %(due)s"),
            _("“%(title)s” from “%(meeting)s” is assigned to your organisation."),
        ),
        Kind(
            "forum.question_answered",
            _("Answers to your questions"),
            _("New answer to “%(title)s”"),
            _("Someone answered your question. Accept the answer that helped."),
        ),
        Kind(
            "forum.answer_accepted",
            _("Your accepted answers"),
            _("Your answer to “%(title)s” was accepted"),
            _("The asking organisation marked your answer as the one that helped."),
            email=False,
        ),
    ]
}
