"""Reads of voices, always scoped to what the actor may see.

A voice is visible to its own organisation, to 都 (roles with ``VOICES_VIEW_ANY``), and — by its
visibility — to every member, to the named organisations, or to nobody else.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.core.errors import NotFound, PermissionDenied
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap
from tsunagu.engines.matching.suggest import Index, PastRequest

from .models import (
    ANSWERED_STATUSES,
    OPEN_STATUSES,
    Category,
    Cosign,
    Status,
    Subscription,
    TokyoUnit,
    Visibility,
    Voice,
)


def _may_read(actor: Actor) -> bool:
    return actor.is_authenticated and (
        can(actor, Cap.VOICES_FILE_OWN) or can(actor, Cap.VOICES_VIEW_ANY)
    )


def voice_visible_q(actor: Actor) -> Q:
    """The filter for voices the actor may see (use on ``Voice`` querysets)."""
    if can(actor, Cap.VOICES_VIEW_ANY):
        return Q()
    if not _may_read(actor):
        return Q(pk__in=[])
    org = actor.organization_id
    shared = Voice.shared_with.through.objects.filter(voice_id=OuterRef("pk"), organization_id=org)
    return (
        Q(organization_id=org)
        | Q(visibility=Visibility.ALL)
        | (Q(visibility=Visibility.ORGS) & Q(Exists(shared)))
    )


def voice_list(
    *,
    actor: Actor,
    status: str | None = None,
    category: str | None = None,
    organization_id: int | None = None,
    mine: bool = False,
    cosigned: bool = False,
    unit: str | None = None,
) -> QuerySet[Voice]:
    """Voices the actor may see, newest first, with filters."""
    if not _may_read(actor):
        raise PermissionDenied()
    qs = Voice.objects.filter(voice_visible_q(actor)).select_related(
        "organization", "category", "unit"
    )
    # Filters come from query strings: a NUL matches no key, and PostgreSQL refuses it.
    status, category, unit = (v.replace("\x00", "") if v else v for v in (status, category, unit))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__key=category)
    if unit:
        qs = qs.filter(unit__key=unit)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if mine:
        qs = qs.filter(organization_id=actor.organization_id)
    if cosigned:
        qs = qs.filter(cosigns__organization_id=actor.organization_id)
    return qs.order_by("-created_at", "-pk")


def voice_get(*, actor: Actor, voice_id: int) -> Voice:
    """One voice; the same NotFound for "missing" and "not visible to you"."""
    if not _may_read(actor):
        raise NotFound()
    voice = (
        Voice.objects.filter(voice_visible_q(actor), pk=voice_id)
        .select_related("organization", "category", "unit", "author", "merged_into")
        .first()
    )
    if voice is None:
        raise NotFound()
    return voice


def voice_get_by_ref(*, actor: Actor, ref: str) -> Voice:
    voice = Voice.objects.filter(ref=ref.replace("\x00", "")).only("pk").first()
    if voice is None:
        raise NotFound()
    return voice_get(actor=actor, voice_id=voice.pk)


def voice_is_subscribed(*, actor: Actor, voice: Voice) -> bool:
    return Subscription.objects.filter(voice=voice, user_id=actor.pk).exists()


def voice_has_cosigned(*, actor: Actor, voice: Voice) -> bool:
    return Cosign.objects.filter(voice=voice, organization_id=actor.organization_id).exists()


def category_list() -> list[Category]:
    """The categories with their targets: public reference data."""
    return list(Category.objects.select_related("unit").order_by("key"))


def unit_list() -> list[TokyoUnit]:
    return list(TokyoUnit.objects.order_by("key"))


# ------------------------------------------------------------------------------ similar voices


@dataclass(frozen=True)
class SimilarVoice:
    voice: Voice
    score: float
    shared_terms: tuple[str, ...]


_index_lock = threading.Lock()
_index_cache: dict[str, tuple[tuple[int, dt.datetime | None], Index]] = {}


def _voice_index() -> Index:
    """A TF-IDF index over every voice that can still gather support, rebuilt when any voice
    changes (keyed on the count and the newest ``updated_at``)."""
    from django.db.models import Count, Max

    live = Voice.objects.exclude(status=Status.MERGED)
    stamp = live.aggregate(n=Count("pk"), newest=Max("updated_at"))
    key = (int(stamp["n"] or 0), stamp["newest"])
    with _index_lock:
        cached = _index_cache.get("voices")
        if cached is not None and cached[0] == key:
            return cached[1]
    rows = live.values_list("pk", "title", "body", "desired_outcome")
    index = Index.build(
        [
            PastRequest(id=pk, text=f"{title}\n{title}\n{body}\n{outcome}")
            for pk, title, body, outcome in rows
        ]
    )
    with _index_lock:
        _index_cache["voices"] = (key, index)
    return index


def voice_similar(
    *, actor: Actor, text: str, exclude_id: int | None = None, limit: int = 5
) -> list[SimilarVoice]:
    """Existing voices the actor may see that say much the same as ``text`` (Japanese-aware
    TF-IDF over SudachiPy-normalised words), best first, so support gathers on one voice."""
    if not _may_read(actor):
        raise PermissionDenied()
    text = text.strip()
    if len(text) < 2:
        return []
    ranked = [r for r in _voice_index().query(text, limit=limit * 4 + 5) if r.id != exclude_id]
    if not ranked:
        return []
    visible = Voice.objects.filter(voice_visible_q(actor), pk__in=[r.id for r in ranked])
    by_id = {v.pk: v for v in visible.select_related("organization", "category")}
    out = [
        SimilarVoice(by_id[int(r.id)], r.score, tuple(t for t in r.shared_terms if len(t) > 1))
        for r in ranked
        if int(r.id) in by_id and r.score >= 0.12
    ]
    return out[:limit]


# ------------------------------------------------------------------------------ metrics


@dataclass
class UnitMetrics:
    key: str
    name: str
    name_en: str
    total: int = 0
    answered: int = 0
    open: int = 0
    median_days_to_answer: float | None = None
    on_time_share: float | None = None  # of voices whose answer was due or given
    ack_on_time_share: float | None = None
    cosigned_share: float | None = None
    overdue: int = 0
    _answer_days: list[float] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class VoiceMetrics:
    overall: UnitMetrics
    units: list[UnitMetrics]
    by_status: dict[str, int]
    monthly: list[tuple[str, int, int]]  # (YYYY-MM, filed, answered)
    as_of: dt.datetime


def _share(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def voice_metrics(*, actor: Actor, now: dt.datetime | None = None) -> VoiceMetrics:
    """Public accountability figures over every voice (counts only, no content): median days
    to the first official answer, answered on time, acknowledged on time, co-signed share —
    overall and per 都 unit — plus a monthly series."""
    if not actor.is_authenticated or not can(actor, Cap.FORUM_READ):
        raise PermissionDenied()
    now = now or timezone.now()
    rows = list(
        Voice.objects.exclude(status=Status.MERGED).values_list(
            "unit__key",
            "unit__name",
            "unit__name_en",
            "status",
            "created_at",
            "ack_due",
            "acknowledged_at",
            "answer_due",
            "answered_at",
            "cosign_count",
        )
    )
    overall = UnitMetrics("all", "全体", "All units")
    units: dict[str, UnitMetrics] = {}
    counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_status: dict[str, int] = defaultdict(int)
    monthly_filed: dict[str, int] = defaultdict(int)
    monthly_answered: dict[str, int] = defaultdict(int)
    for key, name, name_en, status, created, ack_due, acked, ans_due, answered, cosigns in rows:
        by_status[status] += 1
        monthly_filed[timezone.localtime(created).strftime("%Y-%m")] += 1
        if answered is not None:
            monthly_answered[timezone.localtime(answered).strftime("%Y-%m")] += 1
        unit = units.setdefault(key, UnitMetrics(key, name, name_en))
        for m, c in ((overall, counters["all"]), (unit, counters[key])):
            m.total += 1
            if answered is not None:
                m.answered += 1
                m._answer_days.append((answered - created).total_seconds() / 86400)
            if status in OPEN_STATUSES:
                m.open += 1
            # On time: answered by the due date; late: answered after it, or still
            # unanswered with the due date passed. Not yet due and unanswered: not counted.
            if answered is not None or ans_due <= now:
                c["due"] += 1
                if answered is not None and answered <= ans_due:
                    c["on_time"] += 1
                if answered is None and status in OPEN_STATUSES:
                    m.overdue += 1
            if acked is not None or ack_due <= now:
                c["ack_due"] += 1
                if acked is not None and acked <= ack_due:
                    c["ack_on_time"] += 1
            if cosigns:
                c["cosigned"] += 1
    for m in [overall, *units.values()]:
        c = counters[m.key]
        m.median_days_to_answer = (
            round(statistics.median(m._answer_days), 1) if m._answer_days else None
        )
        m.on_time_share = _share(c["on_time"], c["due"])
        m.ack_on_time_share = _share(c["ack_on_time"], c["ack_due"])
        m.cosigned_share = _share(c["cosigned"], m.total)
    months = sorted(set(monthly_filed) | set(monthly_answered))[-12:]
    return VoiceMetrics(
        overall=overall,
        units=sorted(units.values(), key=lambda u: u.key),
        by_status=dict(by_status),
        monthly=[(mo, monthly_filed.get(mo, 0), monthly_answered.get(mo, 0)) for mo in months],
        as_of=now,
    )


def voice_overdue(*, now: dt.datetime | None = None) -> list[Voice]:
    """Open voices past a target (for the daily job; not actor-scoped, never shown as is)."""
    now = now or timezone.now()
    return list(
        Voice.objects.filter(status__in=OPEN_STATUSES)
        .filter(
            Q(acknowledged_at__isnull=True, ack_due__lt=now)
            | Q(answered_at__isnull=True, answer_due__lt=now)
        )
        .select_related("unit", "organization")
    )


def voice_awaiting_closure(*, before: dt.datetime) -> list[Voice]:
    """Answered voices whose last official word is older than ``before`` with no reply since."""
    return [
        v
        for v in Voice.objects.filter(status__in=ANSWERED_STATUSES).prefetch_related("messages")
        if _last_word_before(v, before)
    ]


def _last_word_before(voice: Voice, before: dt.datetime) -> bool:
    msgs: Sequence[Any] = [m for m in voice.messages.all() if m.kind in ("answer", "reply")]
    return bool(msgs) and msgs[-1].kind == "answer" and msgs[-1].at < before


@dataclass(frozen=True)
class VoiceDashboard:
    mine: list[Voice]  # own organisation's voices not yet final, newest first
    awaiting_us: int  # answered, waiting for our reply or closure
    to_acknowledge: int  # 都: received, not acknowledged yet
    overdue: list[Voice]  # 都: open voices past a target, most overdue first
    open_total: int


def voice_dashboard(*, actor: Actor, now: dt.datetime | None = None) -> VoiceDashboard | None:
    """What the dashboard shows about voices: a municipality's own, or what waits on 都."""
    if not _may_read(actor):
        return None
    now = now or timezone.now()
    mine: list[Voice] = []
    awaiting = 0
    if can(actor, Cap.VOICES_FILE_OWN):
        own = Voice.objects.filter(organization_id=actor.organization_id).exclude(
            status__in=[Status.CLOSED, Status.MERGED]
        )
        mine = list(own.select_related("unit").order_by("-created_at")[:5])
        awaiting = own.filter(status__in=ANSWERED_STATUSES).count()
    to_ack = 0
    overdue: list[Voice] = []
    open_total = 0
    if can(actor, Cap.VOICES_RESPOND):
        open_qs = Voice.objects.filter(status__in=OPEN_STATUSES)
        open_total = open_qs.count()
        to_ack = open_qs.filter(status=Status.RECEIVED).count()
        overdue = list(
            open_qs.filter(
                Q(acknowledged_at__isnull=True, ack_due__lt=now)
                | Q(answered_at__isnull=True, answer_due__lt=now)
            )
            .select_related("organization", "unit")
            .order_by("answer_due")[:5]
        )
    return VoiceDashboard(mine, awaiting, to_ack, overdue, open_total)
