"""Voice writes: filing, co-signing, routing, the lifecycle, answers, replies, closure, merging,
delay notes, subscriptions and outcomes.

Every write checks the actor, locks the voice row (two people may act on one voice at once),
refuses a step the current status does not allow, records the transition with its time and an
audit entry, keeps the search index in step and notifies subscribers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagu.accounts.models import User
from tsunagu.core.audit import audit_record
from tsunagu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, require_write
from tsunagu.core.roles import Cap, Role
from tsunagu.notifications.selectors import recipient_list
from tsunagu.notifications.services import notification_send

from .models import (
    ANSWERED_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Category,
    Cosign,
    Decision,
    Message,
    MessageKind,
    Outcome,
    RefCounter,
    Status,
    Subscription,
    TokyoUnit,
    Transition,
    Visibility,
    Voice,
)
from .selectors import voice_visible_q

TITLE_MAX = 120
BODY_MAX = 8000
OUTCOME_MAX = 4000
REASONS_MAX = 4000
NOTE_MAX = 2000
COMMENT_MAX = 500
SHARED_MAX = 62


class VoiceClosed(DomainError):
    code = "voice_closed"
    status = 409
    default_message = gettext_lazy("This voice is closed; it cannot be changed any more.")


class WrongStatus(DomainError):
    code = "wrong_status"
    status = 409
    default_message = gettext_lazy("This step is not possible in the voice's current status.")


# ------------------------------------------------------------------------------ helpers


def _clean_text(value: Any, *, field: str, max_len: int, required: bool) -> str:
    text = str(value or "").replace("\r\n", "\n").replace("\x00", "")
    # A lone surrogate (possible in JSON) cannot be stored in either database.
    text = text.encode("utf-8", "replace").decode("utf-8").strip()
    if required and not text:
        raise ValidationFailed(
            _("Some values are not valid."),
            code="empty",
            details={field: _("This field is required.")},
        )
    if len(text) > max_len:
        raise ValidationFailed(
            _("Some values are not valid."),
            code="too_long",
            details={
                field: _("Keep this to %(max)s characters (now %(len)s).")
                % {"max": max_len, "len": len(text)}
            },
        )
    return text


def _unit_people(unit: TokyoUnit) -> list[User]:
    """The unit's members, or — for a unit with none yet — 都's coordinators and admins."""
    people = [u for u in unit.members.all() if u.is_active]
    return people or recipient_list(roles=[Role.TOKYO_ADMIN, Role.TOKYO_COORDINATOR])


def _subscribers(voice: Voice, *, exclude: Actor | None = None) -> list[User]:
    qs = User.objects.filter(is_active=True, pk__in=voice.subscriptions.values("user_id"))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def _subscribe(voice: Voice, user_id: int, now: dt.datetime) -> None:
    Subscription.objects.get_or_create(voice=voice, user_id=user_id, defaults={"at": now})


def _lock_for_change(voice: Voice, version: int | None = None, *, closed_ok: bool = False) -> Voice:
    """The voice row, locked for this transaction: still the version the caller saw (when it
    says which), not merged, and not closed unless ``closed_ok``."""
    locked = Voice.objects.select_for_update().filter(pk=voice.pk).first()
    if locked is None:
        raise NotFound()
    if version is not None and locked.version != version:
        raise Conflict()
    if locked.status == Status.MERGED or (locked.status == Status.CLOSED and not closed_ok):
        raise VoiceClosed()
    return locked


def _move(
    voice: Voice, to: Status, *, actor: Actor | None, now: dt.datetime, note: str = ""
) -> None:
    Transition.objects.create(
        voice=voice,
        from_status=voice.status,
        to_status=to,
        at=now,
        actor_id=actor.pk if actor is not None else None,
        note=note,
    )
    voice.status = to


def _touch(voice: Voice, now: dt.datetime) -> None:
    voice.updated_at = now
    voice.version = F("version") + 1
    voice.save()
    voice.refresh_from_db(fields=["version"])


def _reindex(voice: Voice) -> None:
    from .search_docs import voice_index

    voice_index(voice)


def _notify(
    voice: Voice,
    *,
    kind: str,
    params: dict[str, Any],
    actor: Actor | None,
    extra: Iterable[User] = (),
) -> None:
    recipients = {u.pk: u for u in _subscribers(voice, exclude=actor)}
    for u in extra:
        if actor is None or u.pk != actor.pk:
            recipients[u.pk] = u
    if recipients:
        notification_send(
            recipients=list(recipients.values()),
            kind=kind,
            params={"ref": voice.ref, "title": voice.title, **params},
            url=f"/voices/{voice.pk}/",
        )


def _require_responder(actor: Actor) -> None:
    require_write(actor)
    if not can(actor, Cap.VOICES_RESPOND):
        raise PermissionDenied()


def _require_requester(actor: Actor, voice: Voice) -> None:
    require_write(actor)
    if not can(actor, Cap.VOICES_FILE_OWN) or actor.organization_id != voice.organization_id:
        raise PermissionDenied(_("Only the organisation that filed this voice can do this."))


def _require_visible(actor: Actor, voice: Voice) -> None:
    if not Voice.objects.filter(voice_visible_q(actor), pk=voice.pk).exists():
        raise NotFound()


def _next_ref(now: dt.datetime) -> str:
    """The next reference number of the year (V-2026-0001), taken under the year's counter row
    lock, so concurrent filings queue for a number instead of colliding on it."""
    year = timezone.localtime(now).year
    try:
        with transaction.atomic():
            RefCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another filing created this year's counter at the same moment
    counter = RefCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"V-{year}-{counter.last:04d}"


# ------------------------------------------------------------------------------ filing


def voice_file(
    *,
    actor: Actor,
    category: Category,
    title: Any,
    body: Any,
    desired_outcome: Any = "",
    visibility: str = Visibility.ALL,
    shared_with: Sequence[Organization] = (),
    now: dt.datetime | None = None,
) -> Voice:
    """File a voice for the actor's organisation. It is routed to the category's unit, and its
    targets are set from the category's published days. Bad input changes nothing."""
    require_write(actor)
    if not can(actor, Cap.VOICES_FILE_OWN):
        raise PermissionDenied(_("Only municipal staff can file a voice to Tokyo."))
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for field, value, max_len, required in (
        ("title", title, TITLE_MAX, True),
        ("body", body, BODY_MAX, True),
        ("desired_outcome", desired_outcome, OUTCOME_MAX, False),
    ):
        try:
            clean[field] = _clean_text(value, field=field, max_len=max_len, required=required)
        except ValidationFailed as exc:
            errors.update(exc.details)
    if visibility not in Visibility.values:
        errors["visibility"] = _("Choose who may see this voice.")
    shared = [o for o in shared_with if o.pk != actor.organization_id and not o.is_tokyo]
    if visibility == Visibility.ORGS and not shared:
        errors["shared_with"] = _("Name at least one other organisation.")
    if len(shared) > SHARED_MAX:
        errors["shared_with"] = _("Too many organisations.")
    if errors:
        raise ValidationFailed(_("Some values are not valid."), details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        voice = Voice.objects.create(
            ref=_next_ref(now),
            organization_id=actor.organization_id,
            author_id=actor.pk,
            category=category,
            unit=category.unit,
            title=clean["title"],
            body=clean["body"],
            desired_outcome=clean["desired_outcome"],
            visibility=visibility,
            created_at=now,
            updated_at=now,
            ack_due=now + dt.timedelta(days=category.ack_days),
            answer_due=now + dt.timedelta(days=category.answer_days),
        )
        if visibility == Visibility.ORGS:
            voice.shared_with.set(shared)
        Transition.objects.create(voice=voice, to_status=Status.RECEIVED, at=now, actor_id=actor.pk)
        _subscribe(voice, actor.pk, now)
        audit_record(
            actor=actor,
            action="voices.filed",
            organization=actor.organization_id,
            obj=voice,
            after={
                "ref": voice.ref,
                "title": voice.title,
                "category": category.key,
                "visibility": visibility,
                "shared_with": [o.code for o in shared],
            },
        )
        _reindex(voice)
        notification_send(
            recipients=_unit_people(category.unit),
            kind="voices.filed",
            params={"ref": voice.ref, "title": voice.title, "org": voice.organization.name},
            url=f"/voices/{voice.pk}/",
        )
    return voice


def voice_cosign(
    *, actor: Actor, voice: Voice, comment: Any = "", now: dt.datetime | None = None
) -> Cosign:
    """Co-sign a voice for the actor's organisation (once per organisation). When the number
    of co-signing organisations reaches the category's threshold, the voice goes onto the next
    CIO-forum agenda."""
    require_write(actor)
    if not can(actor, Cap.VOICES_FILE_OWN):
        raise PermissionDenied(_("Only municipal staff can co-sign a voice."))
    _require_visible(actor, voice)
    text = _clean_text(comment, field="comment", max_len=COMMENT_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice)
        if voice.organization_id == actor.organization_id:
            raise ValidationFailed(
                _("Your organisation filed this voice; it already counts as its support."),
                code="own_voice",
            )
        if Cosign.objects.filter(voice=voice, organization_id=actor.organization_id).exists():
            raise Conflict(
                _("Your organisation has already co-signed this voice."), code="already_cosigned"
            )
        try:
            with transaction.atomic():
                cosign = Cosign.objects.create(
                    voice=voice,
                    organization_id=actor.organization_id,
                    user_id=actor.pk,
                    comment=text,
                    at=now,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("Your organisation has already co-signed this voice."), code="already_cosigned"
            ) from exc
        voice.cosign_count = Cosign.objects.filter(voice=voice).count()
        _subscribe(voice, actor.pk, now)
        reached = _check_threshold(voice, now)
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.cosigned",
            organization=actor.organization_id,
            obj=voice,
            after={"cosigns": voice.cosign_count, "agenda": reached},
        )
        _reindex(voice)
        org = Organization.objects.get(pk=actor.organization_id)
        _notify(voice, kind="voices.cosigned", params={"org": org.name}, actor=actor)
        if reached:
            _notify(
                voice,
                kind="voices.agenda",
                params={"count": voice.cosign_count},
                actor=None,
                extra=_unit_people(voice.unit),
            )
    return cosign


def _check_threshold(voice: Voice, now: dt.datetime) -> bool:
    """Put the voice on the next forum agenda the first time it reaches its threshold."""
    if voice.agenda_at is not None or voice.cosign_count < voice.category.agenda_threshold:
        return False
    voice.agenda_at = now
    voice.save(update_fields=["agenda_at"])
    from tsunagu.knowledge.services import forum_agenda_add_voice

    forum_agenda_add_voice(voice=voice)
    return True


# ------------------------------------------------------------------------------ 都 steps


def voice_acknowledge(
    *,
    actor: Actor,
    voice: Voice,
    note: Any = "",
    unit: TokyoUnit | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Voice:
    """都 confirms receipt (optionally routing to another unit): received → acknowledged."""
    _require_responder(actor)
    text = _clean_text(note, field="note", max_len=NOTE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice, version)
        if voice.status != Status.RECEIVED:
            raise WrongStatus(_("This voice has already been acknowledged."))
        if unit is not None and unit.pk != voice.unit_id:
            voice.unit = unit
        voice.acknowledged_at = now
        _move(voice, Status.ACKNOWLEDGED, actor=actor, now=now, note=text)
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.acknowledged",
            organization=voice.organization_id,
            obj=voice,
            after={"unit": voice.unit.key, "note": text},
        )
        _reindex(voice)
        _notify(
            voice, kind="voices.status", params={"status": voice.get_status_display()}, actor=actor
        )
    return voice


def voice_route(
    *,
    actor: Actor,
    voice: Voice,
    unit: TokyoUnit,
    note: Any = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Voice:
    """Hand an open voice to another 都 unit; the new unit is told."""
    _require_responder(actor)
    text = _clean_text(note, field="note", max_len=NOTE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice, version)
        if voice.status not in OPEN_STATUSES:
            raise WrongStatus(_("Only an open voice can be handed to another unit."))
        if unit.pk == voice.unit_id:
            raise ValidationFailed(_("The voice is already with this unit."), code="same_unit")
        before = voice.unit.key
        voice.unit = unit
        Message.objects.create(
            voice=voice,
            kind=MessageKind.NOTE,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            unit=unit,
            body=text or _("Handed to %(unit)s.") % {"unit": unit.name},
            at=now,
        )
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.routed",
            organization=voice.organization_id,
            obj=voice,
            before={"unit": before},
            after={"unit": unit.key, "note": text},
        )
        _reindex(voice)
        _notify(
            voice,
            kind="voices.routed",
            params={"unit": unit.name},
            actor=actor,
            extra=_unit_people(unit),
        )
    return voice


def voice_start_study(
    *,
    actor: Actor,
    voice: Voice,
    note: Any = "",
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Voice:
    """acknowledged → under study, with a public note of what is being studied."""
    _require_responder(actor)
    text = _clean_text(note, field="note", max_len=NOTE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice, version)
        if voice.status != Status.ACKNOWLEDGED:
            raise WrongStatus()
        _move(voice, Status.UNDER_STUDY, actor=actor, now=now, note=text)
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.study",
            organization=voice.organization_id,
            obj=voice,
            after={"note": text},
        )
        _reindex(voice)
        _notify(
            voice, kind="voices.status", params={"status": voice.get_status_display()}, actor=actor
        )
    return voice


def voice_answer(
    *,
    actor: Actor,
    voice: Voice,
    body: Any,
    reasons: Any,
    decision: str,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """The official answer, with its reasons — a "no" included. "Not accepted" moves the voice
    to declined, anything else to answered; a later answer (after a reply) may change that.
    A voice still only received is acknowledged in the same step."""
    _require_responder(actor)
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for field, value, max_len in (("body", body, BODY_MAX), ("reasons", reasons, REASONS_MAX)):
        try:
            clean[field] = _clean_text(value, field=field, max_len=max_len, required=True)
        except ValidationFailed as exc:
            errors.update(exc.details)
    if decision not in Decision.values:
        errors["decision"] = _("Choose the decision.")
    if errors:
        raise ValidationFailed(_("Some values are not valid."), details=errors)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice, version)
        if voice.status == Status.RECEIVED:
            voice.acknowledged_at = now
            _move(voice, Status.ACKNOWLEDGED, actor=actor, now=now)
        target = Status.DECLINED if decision == Decision.NOT_ACCEPTED else Status.ANSWERED
        message = Message.objects.create(
            voice=voice,
            kind=MessageKind.ANSWER,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            unit=voice.unit,
            body=clean["body"],
            reasons=clean["reasons"],
            decision=decision,
            at=now,
        )
        if voice.status != target:
            _move(voice, target, actor=actor, now=now)
        if voice.answered_at is None:
            voice.answered_at = now
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.answered",
            organization=voice.organization_id,
            obj=voice,
            after={"decision": decision, "status": voice.status},
        )
        _reindex(voice)
        _notify(
            voice,
            kind="voices.answered",
            params={"decision": message.get_decision_display()},
            actor=actor,
        )
    return message


def voice_delay_note(
    *,
    actor: Actor,
    voice: Voice,
    body: Any,
    expected_at: dt.date | None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """Say publicly why an answer is late and when it is now expected."""
    _require_responder(actor)
    text = _clean_text(body, field="body", max_len=NOTE_MAX, required=True)
    now = now or timezone.now()
    if expected_at is None or expected_at < timezone.localdate(now):
        raise ValidationFailed(
            _("Some values are not valid."),
            details={"expected_at": _("Give the new expected date (today or later).")},
        )
    with transaction.atomic():
        voice = _lock_for_change(voice, version)
        if voice.status not in OPEN_STATUSES:
            raise WrongStatus(_("A delay note is for a voice that is still waiting for an answer."))
        message = Message.objects.create(
            voice=voice,
            kind=MessageKind.DELAY,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            unit=voice.unit,
            body=text,
            expected_at=expected_at,
            at=now,
        )
        voice.expected_at = expected_at
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.delay_note",
            organization=voice.organization_id,
            obj=voice,
            after={"expected_at": expected_at.isoformat(), "note": text},
        )
        _notify(voice, kind="voices.delayed", params={"date": expected_at.isoformat()}, actor=actor)
    return message


def voice_merge(
    *,
    actor: Actor,
    voice: Voice,
    into: Voice,
    note: Any = "",
    now: dt.datetime | None = None,
) -> Voice:
    """Merge a duplicate into another voice so support is not split: the filer and the
    co-signers of ``voice`` become co-signers of ``into`` (once per organisation), subscribers
    follow, and ``voice`` ends as merged with a link."""
    _require_responder(actor)
    text = _clean_text(note, field="note", max_len=NOTE_MAX, required=False)
    if voice.pk == into.pk:
        raise ValidationFailed(_("A voice cannot be merged into itself."), code="merge_self")
    now = now or timezone.now()
    with transaction.atomic():
        # Lock both in id order so two merges of the same pair cannot deadlock.
        first, second = sorted([voice.pk, into.pk])
        locked = {v.pk: v for v in Voice.objects.select_for_update().filter(pk__in=[first, second])}
        if len(locked) != 2:
            raise NotFound()
        voice, into = locked[voice.pk], locked[into.pk]
        if voice.status in FINAL_STATUSES:
            raise VoiceClosed()
        if into.status in FINAL_STATUSES:
            raise VoiceClosed(_("The voice to merge into is closed."))
        moved = 0
        existing = set(Cosign.objects.filter(voice=into).values_list("organization_id", flat=True))
        supporters = [(voice.organization_id, voice.author_id, voice.created_at)] + [
            (c.organization_id, c.user_id, c.at) for c in voice.cosigns.all()
        ]
        for org_id, user_id, at in supporters:
            if org_id == into.organization_id or org_id in existing:
                continue
            Cosign.objects.create(
                voice=into, organization_id=org_id, user_id=user_id, at=at, via_merge=voice
            )
            existing.add(org_id)
            moved += 1
        # Followers move only where they may read: a voice merged into a 都-only or
        # named-organisations voice must not send its news to people who cannot open it.
        for user in User.objects.filter(pk__in=voice.subscriptions.values("user_id")):
            if Voice.objects.filter(voice_visible_q(user), pk=into.pk).exists():
                _subscribe(into, user.pk, now)
        into.cosign_count = Cosign.objects.filter(voice=into).count()
        reached = _check_threshold(into, now)
        _touch(into, now)
        voice.merged_into = into
        _move(voice, Status.MERGED, actor=actor, now=now, note=text)
        voice.closed_at = now
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.merged",
            organization=voice.organization_id,
            obj=voice,
            after={"into": into.ref, "cosigns_moved": moved, "agenda": reached},
        )
        _reindex(voice)
        _reindex(into)
        _notify(voice, kind="voices.merged", params={"into": into.ref}, actor=actor)
    return into


def voice_outcome_add(
    *,
    actor: Actor,
    voice: Voice,
    title: Any,
    url: Any = "",
    description: Any = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """Link what changed because of a voice (a dashboard, a rule, a page)."""
    _require_responder(actor)
    clean_title = _clean_text(title, field="title", max_len=160, required=True)
    clean_url = _clean_text(url, field="url", max_len=300, required=False)
    clean_desc = _clean_text(description, field="description", max_len=NOTE_MAX, required=False)
    # "//host" and "/\host" are links to another site in a browser, not platform paths.
    platform_or_https = r"(/(?![/\\])[^\s]*|https://[^\s/]+(/[^\s]*)?)"
    if clean_url and not re.fullmatch(platform_or_https, clean_url):
        raise ValidationFailed(
            _("Some values are not valid."),
            code="bad_url",
            details={"url": _("Use a platform path (/…) or an https:// address.")},
        )
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice, closed_ok=True)
        outcome = Outcome.objects.create(
            voice=voice,
            title=clean_title,
            url=clean_url,
            description=clean_desc,
            at=now,
            author_id=actor.pk,
        )
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.outcome_added",
            organization=voice.organization_id,
            obj=voice,
            after={"title": clean_title, "url": clean_url},
        )
        _notify(voice, kind="voices.outcome", params={"outcome": clean_title}, actor=actor)
    return outcome


# ------------------------------------------------------------------------------ requester


def voice_reply(
    *, actor: Actor, voice: Voice, body: Any, now: dt.datetime | None = None
) -> Message:
    """The requester's right of reply to the official answer, before closure."""
    _require_requester(actor, voice)
    text = _clean_text(body, field="body", max_len=BODY_MAX, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice)
        if voice.status not in ANSWERED_STATUSES:
            raise WrongStatus(_("You can reply once 都 has answered."))
        message = Message.objects.create(
            voice=voice,
            kind=MessageKind.REPLY,
            author_id=actor.pk,
            organization_id=actor.organization_id,
            body=text,
            at=now,
        )
        _touch(voice, now)
        audit_record(
            actor=actor, action="voices.replied", organization=voice.organization_id, obj=voice
        )
        _reindex(voice)
        _notify(
            voice, kind="voices.replied", params={}, actor=actor, extra=_unit_people(voice.unit)
        )
    return message


def voice_close(
    *,
    actor: Actor | None,
    voice: Voice,
    note: Any = "",
    now: dt.datetime | None = None,
    automatic: bool = False,
) -> Voice:
    """The requester confirms closure of an answered voice. The daily job closes (with
    ``automatic``) answers left without a reply for the reply period."""
    if not automatic:
        assert actor is not None
        _require_requester(actor, voice)
    text = _clean_text(note, field="note", max_len=NOTE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        voice = _lock_for_change(voice)
        if voice.status not in ANSWERED_STATUSES:
            raise WrongStatus(_("A voice can be closed once 都 has answered."))
        voice.closed_at = now
        _move(voice, Status.CLOSED, actor=actor, now=now, note=text)
        _touch(voice, now)
        audit_record(
            actor=actor,
            action="voices.closed",
            organization=voice.organization_id,
            obj=voice,
            after={"automatic": automatic, "note": text},
        )
        _reindex(voice)
        _notify(
            voice,
            kind="voices.status",
            params={"status": voice.get_status_display()},
            actor=actor,
            extra=_unit_people(voice.unit),
        )
    return voice


def voice_subscribe(
    *, actor: Actor, voice: Voice, on: bool, now: dt.datetime | None = None
) -> bool:
    """Follow (or stop following) a voice one may see."""
    require_write(actor)
    _require_visible(actor, voice)
    now = now or timezone.now()
    with transaction.atomic():
        if on:
            _, created = Subscription.objects.get_or_create(
                voice=voice, user_id=actor.pk, defaults={"at": now}
            )
            changed = created
        else:
            changed = Subscription.objects.filter(voice=voice, user_id=actor.pk).delete()[0] > 0
        if changed:
            audit_record(
                actor=actor,
                action="voices.subscribed" if on else "voices.unsubscribed",
                organization=actor.organization_id,
                obj=voice,
            )
    return on


# ------------------------------------------------------------------------------ settings


def category_update(
    *,
    actor: Actor,
    category: Category,
    ack_days: int,
    answer_days: int,
    agenda_threshold: int,
    unit: TokyoUnit,
    version: int,
) -> Category:
    """都 changes a category's published targets, its co-sign threshold or its unit."""
    require_write(actor)
    if not can(actor, Cap.FORUM_MANAGE):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if not 1 <= ack_days <= 90:
        errors["ack_days"] = _("Between 1 and 90 days.")
    if not 1 <= answer_days <= 365:
        errors["answer_days"] = _("Between 1 and 365 days.")
    elif ack_days > answer_days:
        errors["answer_days"] = _("The answer cannot be due before the acknowledgement.")
    if not 1 <= agenda_threshold <= 62:
        errors["agenda_threshold"] = _("Between 1 and 62 organisations.")
    if errors:
        raise ValidationFailed(_("Some values are not valid."), details=errors)
    with transaction.atomic():
        locked = Category.objects.select_for_update().get(pk=category.pk)
        if locked.version != version:
            raise Conflict()
        before = {
            "ack_days": locked.ack_days,
            "answer_days": locked.answer_days,
            "agenda_threshold": locked.agenda_threshold,
            "unit": locked.unit.key,
        }
        locked.ack_days, locked.answer_days = ack_days, answer_days
        locked.agenda_threshold, locked.unit = agenda_threshold, unit
        locked.version += 1
        locked.save()
        audit_record(
            actor=actor,
            action="voices.category_updated",
            organization=actor.organization_id,
            obj=locked,
            before=before,
            after={
                "ack_days": ack_days,
                "answer_days": answer_days,
                "agenda_threshold": agenda_threshold,
                "unit": unit.key,
            },
        )
    return locked


# ------------------------------------------------------------------------------ jobs


def voices_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Tell each unit about its voices past a target with no delay note in the last week."""
    from .selectors import voice_overdue

    now = now or timezone.now()
    week_ago = now - dt.timedelta(days=7)
    sent = 0
    for voice in voice_overdue(now=now):
        if voice.messages.filter(kind=MessageKind.DELAY, at__gte=week_ago).exists():
            continue
        which = "ack" if voice.acknowledged_at is None and voice.ack_due < now else "answer"
        notification_send(
            recipients=_unit_people(voice.unit),
            kind="voices.overdue",
            params={
                "ref": voice.ref,
                "title": voice.title,
                "target": _("acknowledgement") if which == "ack" else _("answer"),
            },
            url=f"/voices/{voice.pk}/",
        )
        sent += 1
    return sent


def voices_autoclose(*, reply_days: int, now: dt.datetime | None = None) -> int:
    """Close answered voices whose answer has had no reply for ``reply_days``."""
    from .selectors import voice_awaiting_closure

    now = now or timezone.now()
    closed = 0
    for voice in voice_awaiting_closure(before=now - dt.timedelta(days=reply_days)):
        try:
            voice_close(
                actor=None,
                voice=voice,
                note=_("Closed automatically: no reply within %(days)s days of the answer.")
                % {"days": reply_days},
                now=now,
                automatic=True,
            )
            closed += 1
        except DomainError:
            continue  # changed meanwhile
    return closed
