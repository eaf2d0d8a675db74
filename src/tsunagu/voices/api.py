"""API: voices to 都 — filing, similar voices, co-signing, the 都 steps (acknowledge, route,
study, answer, delay note, merge, outcome), the requester's reply and closure, subscriptions,
public metrics and category targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from tsunagu.core.api_support import ERRORS, api_actor, api_writer
from tsunagu.core.errors import NotFound, ValidationFailed
from tsunagu.core.models import Organization

from . import selectors, services
from .models import Category, TokyoUnit, Voice

router = Router(tags=["voices"])


class VoicesTransitionOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    note: str


class VoicesMessageOut(Schema):
    kind: str
    body: str
    reasons: str
    decision: str
    expected_at: dt.date | None
    at: dt.datetime
    organization: str
    unit: str | None

    @staticmethod
    def resolve_organization(obj: Any) -> str:
        return str(obj.organization.code)

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.key if obj.unit_id else None


class VoicesOutcomeOut(Schema):
    title: str
    url: str
    description: str
    at: dt.datetime


class VoicesVoiceOut(Schema):
    id: int
    ref: str
    organization: str
    category: str
    unit: str
    title: str
    body: str
    desired_outcome: str
    visibility: str
    status: str
    merged_into: str | None
    created_at: dt.datetime
    ack_due: dt.datetime
    answer_due: dt.datetime
    expected_at: dt.date | None
    acknowledged_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    cosign_count: int
    cosigners: list[str]
    on_forum_agenda: bool
    version: int

    @staticmethod
    def resolve_organization(obj: Voice) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_category(obj: Voice) -> str:
        return obj.category.key

    @staticmethod
    def resolve_unit(obj: Voice) -> str:
        return obj.unit.key

    @staticmethod
    def resolve_merged_into(obj: Voice) -> str | None:
        return obj.merged_into.ref if obj.merged_into is not None else None

    @staticmethod
    def resolve_cosigners(obj: Voice) -> list[str]:
        # The list prefetches them (one query for the page, not one per voice).
        prefetched = "cosigns" in getattr(obj, "_prefetched_objects_cache", {})
        cosigns = obj.cosigns.all() if prefetched else obj.cosigns.select_related("organization")
        return [c.organization.code for c in cosigns]

    @staticmethod
    def resolve_on_forum_agenda(obj: Voice) -> bool:
        return obj.agenda_at is not None


class VoicesVoiceDetailOut(VoicesVoiceOut):
    transitions: list[VoicesTransitionOut]
    messages: list[VoicesMessageOut]
    outcomes: list[VoicesOutcomeOut]

    @staticmethod
    def resolve_transitions(obj: Voice) -> list[Any]:
        return list(obj.transitions.all())

    @staticmethod
    def resolve_messages(obj: Voice) -> list[Any]:
        return list(obj.messages.select_related("organization", "unit"))

    @staticmethod
    def resolve_outcomes(obj: Voice) -> list[Any]:
        return list(obj.outcomes.all())


class VoicesFileIn(Schema):
    category: str
    title: str
    body: str
    desired_outcome: str = ""
    visibility: str = "all"
    shared_with: list[str] = []  # organisation codes


class VoicesSimilarIn(Schema):
    text: str


class VoicesSimilarOut(Schema):
    id: int
    ref: str
    title: str
    status: str
    cosign_count: int
    score: float
    shared_terms: list[str]


class VoicesNoteIn(Schema):
    note: str = ""
    version: int | None = None


class VoicesAckIn(VoicesNoteIn):
    unit: str | None = None


class VoicesRouteIn(VoicesNoteIn):
    unit: str


class VoicesCosignIn(Schema):
    comment: str = ""


class VoicesAnswerIn(Schema):
    body: str
    reasons: str
    decision: str
    version: int | None = None


class VoicesDelayIn(Schema):
    body: str
    expected_at: dt.date
    version: int | None = None


class VoicesMergeIn(Schema):
    into: str  # reference, e.g. V-2026-0003
    note: str = ""


class VoicesOutcomeIn(Schema):
    title: str
    url: str = ""
    description: str = ""


class VoicesReplyIn(Schema):
    body: str


class VoicesCategoryOut(Schema):
    key: str
    name: str
    name_en: str
    unit: str
    ack_days: int
    answer_days: int
    agenda_threshold: int
    version: int

    @staticmethod
    def resolve_unit(obj: Category) -> str:
        return obj.unit.key


class VoicesCategoryIn(Schema):
    ack_days: int
    answer_days: int
    agenda_threshold: int
    unit: str
    version: int


def _voice(request: HttpRequest, ref: str) -> Voice:
    return selectors.voice_get_by_ref(actor=api_actor(request), ref=ref)


def _unit(key: str | None) -> TokyoUnit | None:
    if not key:
        return None
    unit = TokyoUnit.objects.filter(
        key=key.replace("\x00", "")
    ).first()  # no NUL: PostgreSQL refuses it
    if unit is None:
        raise ValidationFailed(code="unknown_unit", details={"unit": key})
    return unit


@router.get("/", response={200: list[VoicesVoiceOut], **ERRORS}, summary="Voices I may see")
def voice_list_api(
    request: HttpRequest,
    status: str | None = None,
    category: str | None = None,
    unit: str | None = None,
    mine: bool = False,
) -> Any:
    qs = selectors.voice_list(
        actor=api_actor(request), status=status, category=category, unit=unit, mine=mine
    )
    return list(qs.select_related("merged_into").prefetch_related("cosigns__organization")[:500])


@router.post("/", response={201: VoicesVoiceDetailOut, **ERRORS}, summary="File a voice")
def voice_file_api(request: HttpRequest, payload: VoicesFileIn) -> Any:
    actor = api_writer(request)
    category = (
        Category.objects.filter(key=payload.category.replace("\x00", ""))
        .select_related("unit")
        .first()
    )
    if category is None:
        raise ValidationFailed(code="unknown_category", details={"category": payload.category})
    voice = services.voice_file(
        actor=actor,
        category=category,
        title=payload.title,
        body=payload.body,
        desired_outcome=payload.desired_outcome,
        visibility=payload.visibility,
        shared_with=list(
            Organization.objects.filter(
                code__in=[c.replace("\x00", "") for c in payload.shared_with[:100]]
            )
        ),
    )
    return 201, selectors.voice_get(actor=actor, voice_id=voice.pk)


@router.post(
    "/similar",
    response={200: list[VoicesSimilarOut], **ERRORS},
    summary="Existing voices similar to a text (to co-sign instead of filing a duplicate)",
)
def voice_similar_api(request: HttpRequest, payload: VoicesSimilarIn) -> Any:
    found = selectors.voice_similar(actor=api_actor(request), text=payload.text[:10000])
    return [
        {
            "id": s.voice.pk,
            "ref": s.voice.ref,
            "title": s.voice.title,
            "status": s.voice.status,
            "cosign_count": s.voice.cosign_count,
            "score": s.score,
            "shared_terms": list(s.shared_terms),
        }
        for s in found
    ]


@router.get("/metrics", response={200: dict[str, Any], **ERRORS}, summary="Public metrics")
def voice_metrics_api(request: HttpRequest) -> Any:
    m = selectors.voice_metrics(actor=api_actor(request))

    def unit(u: selectors.UnitMetrics) -> dict[str, Any]:
        return {
            "unit": u.key,
            "name": u.name,
            "total": u.total,
            "answered": u.answered,
            "open": u.open,
            "overdue": u.overdue,
            "median_days_to_answer": u.median_days_to_answer,
            "on_time_share": u.on_time_share,
            "ack_on_time_share": u.ack_on_time_share,
            "cosigned_share": u.cosigned_share,
        }

    return {
        "as_of": m.as_of.isoformat(),
        "overall": unit(m.overall),
        "units": [unit(u) for u in m.units],
        "by_status": m.by_status,
        "monthly": [{"month": mo, "filed": f, "answered": a} for mo, f, a in m.monthly],
    }


@router.get("/categories", response={200: list[VoicesCategoryOut], **ERRORS}, summary="Categories")
def category_list_api(request: HttpRequest) -> Any:
    if not api_actor(request).is_authenticated:
        raise NotFound()
    return selectors.category_list()


@router.put(
    "/categories/{key}",
    response={200: VoicesCategoryOut, **ERRORS},
    summary="Change a category's targets, threshold or unit (都)",
)
def category_update_api(request: HttpRequest, key: str, payload: VoicesCategoryIn) -> Any:
    actor = api_writer(request)
    category = Category.objects.filter(key=key.replace("\x00", "")).first()
    if category is None:
        raise NotFound()
    unit = _unit(payload.unit)
    assert unit is not None
    return services.category_update(
        actor=actor,
        category=category,
        ack_days=payload.ack_days,
        answer_days=payload.answer_days,
        agenda_threshold=payload.agenda_threshold,
        unit=unit,
        version=payload.version,
    )


@router.get("/{ref}", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="One voice")
def voice_get_api(request: HttpRequest, ref: str) -> Any:
    return _voice(request, ref)


def _done(request: HttpRequest, voice: Voice) -> Voice:
    return selectors.voice_get(actor=api_actor(request), voice_id=voice.pk)


@router.post("/{ref}/cosign", response={201: VoicesVoiceDetailOut, **ERRORS}, summary="Co-sign")
def voice_cosign_api(request: HttpRequest, ref: str, payload: VoicesCosignIn) -> Any:
    voice = _voice(request, ref)
    services.voice_cosign(actor=api_writer(request), voice=voice, comment=payload.comment)
    return 201, _done(request, voice)


@router.post(
    "/{ref}/acknowledge", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Acknowledge"
)
def voice_acknowledge_api(request: HttpRequest, ref: str, payload: VoicesAckIn) -> Any:
    voice = _voice(request, ref)
    services.voice_acknowledge(
        actor=api_writer(request),
        voice=voice,
        note=payload.note,
        unit=_unit(payload.unit),
        version=payload.version,
    )
    return _done(request, voice)


@router.post(
    "/{ref}/route", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Hand to a unit"
)
def voice_route_api(request: HttpRequest, ref: str, payload: VoicesRouteIn) -> Any:
    voice = _voice(request, ref)
    unit = _unit(payload.unit)
    assert unit is not None
    services.voice_route(
        actor=api_writer(request),
        voice=voice,
        unit=unit,
        note=payload.note,
        version=payload.version,
    )
    return _done(request, voice)


@router.post("/{ref}/study", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Study")
def voice_study_api(request: HttpRequest, ref: str, payload: VoicesNoteIn) -> Any:
    voice = _voice(request, ref)
    services.voice_start_study(
        actor=api_writer(request), voice=voice, note=payload.note, version=payload.version
    )
    return _done(request, voice)


@router.post(
    "/{ref}/answer", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Official answer"
)
def voice_answer_api(request: HttpRequest, ref: str, payload: VoicesAnswerIn) -> Any:
    voice = _voice(request, ref)
    services.voice_answer(
        actor=api_writer(request),
        voice=voice,
        body=payload.body,
        reasons=payload.reasons,
        decision=payload.decision,
        version=payload.version,
    )
    return _done(request, voice)


@router.post("/{ref}/delay", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Delay note")
def voice_delay_api(request: HttpRequest, ref: str, payload: VoicesDelayIn) -> Any:
    voice = _voice(request, ref)
    services.voice_delay_note(
        actor=api_writer(request),
        voice=voice,
        body=payload.body,
        expected_at=payload.expected_at,
        version=payload.version,
    )
    return _done(request, voice)


@router.post(
    "/{ref}/merge", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Merge a duplicate"
)
def voice_merge_api(request: HttpRequest, ref: str, payload: VoicesMergeIn) -> Any:
    voice = _voice(request, ref)
    into = _voice(request, payload.into)
    services.voice_merge(actor=api_writer(request), voice=voice, into=into, note=payload.note)
    return _done(request, into)


@router.post(
    "/{ref}/outcomes", response={201: VoicesVoiceDetailOut, **ERRORS}, summary="Link an outcome"
)
def voice_outcome_api(request: HttpRequest, ref: str, payload: VoicesOutcomeIn) -> Any:
    voice = _voice(request, ref)
    services.voice_outcome_add(
        actor=api_writer(request),
        voice=voice,
        title=payload.title,
        url=payload.url,
        description=payload.description,
    )
    return 201, _done(request, voice)


@router.post("/{ref}/reply", response={201: VoicesVoiceDetailOut, **ERRORS}, summary="Reply")
def voice_reply_api(request: HttpRequest, ref: str, payload: VoicesReplyIn) -> Any:
    voice = _voice(request, ref)
    services.voice_reply(actor=api_writer(request), voice=voice, body=payload.body)
    return 201, _done(request, voice)


@router.post("/{ref}/close", response={200: VoicesVoiceDetailOut, **ERRORS}, summary="Close")
def voice_close_api(request: HttpRequest, ref: str, payload: VoicesNoteIn) -> Any:
    voice = _voice(request, ref)
    services.voice_close(actor=api_writer(request), voice=voice, note=payload.note)
    return _done(request, voice)


@router.put("/{ref}/subscription", response={204: None, **ERRORS}, summary="Follow a voice")
def voice_subscribe_api(request: HttpRequest, ref: str) -> Any:
    services.voice_subscribe(actor=api_writer(request), voice=_voice(request, ref), on=True)
    return 204, None


@router.delete("/{ref}/subscription", response={204: None, **ERRORS}, summary="Stop following")
def voice_unsubscribe_api(request: HttpRequest, ref: str) -> Any:
    services.voice_subscribe(actor=api_writer(request), voice=_voice(request, ref), on=False)
    return 204, None
