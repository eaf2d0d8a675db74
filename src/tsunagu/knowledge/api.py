"""API: the forum — peer projects and the peer finder, connect requests, the topic map, forum
meetings and roundtables (agenda linked to voices, follow-up actions), articles, questions and
answers. Refusals are ``{code, message, details}`` like everywhere else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tsunagu.core.api_support import ERRORS, api_actor, api_writer
from tsunagu.core.errors import NotFound
from tsunagu.core.models import Organization

from . import selectors, services
from .models import AgendaItem, Answer, Article, ConnectRequest, Meeting, Project, Question

router = Router(tags=["forum"])


# --------------------------------------------------------------------------- schemas


class ForumDocumentIO(Schema):
    title: str
    url: str


class ForumStageOut(Schema):
    stage: str
    on: dt.date


class ForumProjectOut(Schema):
    id: int
    organization: str
    organization_name: str
    title: str
    topic: str
    stage: str
    start: str | None
    end: str | None
    scale: int | None
    vendors: str
    cost_band: str
    network_model: str
    network_model_after: str
    welcomes_contact: bool
    visibility: str
    updated_at: dt.datetime
    version: int


class ForumProjectDetailOut(ForumProjectOut):
    summary: str
    lessons: str
    documents: list[ForumDocumentIO]
    stages: list[ForumStageOut]
    contact: int | None  # the contact's user id, for the own organisation only


class ForumProjectIn(Schema):
    title: str
    topic: str
    stage: str = "planned"
    stage_on: str | None = None  # YYYY-MM-DD the stage was reached (default today)
    start: str | None = None  # YYYY-MM
    end: str | None = None
    scale: int | None = None
    vendors: str = ""
    cost_band: str = "undisclosed"
    network_model: str = "unknown"
    network_model_after: str = ""
    summary: str = ""
    lessons: str = ""
    welcomes_contact: bool = False
    contact: int | None = None
    visibility: str = "all"
    documents: list[ForumDocumentIO] = []


class ForumProjectUpdateIn(ForumProjectIn):
    version: int


class ForumPeerOut(Schema):
    project: ForumProjectOut
    score: float
    size: float
    timing: float
    model: float
    size_ratio: float | None
    months_apart: int | None
    model_reason: str
    welcomes_contact: bool
    connect_status: str


class ForumPeersOut(Schema):
    project: ForumProjectOut
    done: list[ForumPeerOut]
    same_stage: list[ForumPeerOut]


class ForumTopicOrgOut(Schema):
    code: str
    name: str
    region: str
    stage: str
    projects: list[int]


class ForumTopicMapOut(Schema):
    topic: str
    organizations: list[ForumTopicOrgOut]
    counts: dict[str, dict[str, int]]


class ForumConnectIn(Schema):
    to_project: int
    message: str


class ForumConnectAnswerIn(Schema):
    accept: bool
    reply: str = ""


class ForumIntroductionOut(Schema):
    name: str
    email: str
    department: str
    organization: str


class ForumConnectOut(Schema):
    id: int
    from_project: int
    from_organization: str
    to_project: int
    to_organization: str
    message: str
    status: str
    reply: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
    introduction: ForumIntroductionOut | None


class ForumConnectInboxOut(Schema):
    incoming: list[ForumConnectOut]
    outgoing: list[ForumConnectOut]
    other: list[ForumConnectOut]


class ForumParticipantIO(Schema):
    name: str
    title: str = ""
    organization: str | None = None  # code or name


class ForumMeetingIn(Schema):
    kind: str
    title: str
    date: str  # YYYY-MM-DD
    status: str = "scheduled"
    number: int | None = None
    place: str = ""
    summary: str = ""
    minutes: str = ""
    source_title: str = ""
    source_publisher: str = ""
    source_date: str | None = None
    source_url: str = ""
    participants: list[ForumParticipantIO] = []
    organizations: list[str] = []  # codes
    agenda: list[str] = []


class ForumMeetingUpdateIn(ForumMeetingIn):
    version: int


class ForumMeetingOut(Schema):
    id: int
    kind: str
    number: int | None
    title: str
    date: dt.date
    status: str
    place: str
    version: int


class ForumVoiceRefOut(Schema):
    ref: str
    title: str
    status: str


class ForumAgendaItemOut(Schema):
    id: int
    order: int
    title: str
    notes: str
    voice: ForumVoiceRefOut | None
    voice_hidden: bool


class ForumFollowUpOut(Schema):
    id: int
    meeting: int
    title: str
    owner_organization: str
    owner_person: str
    due: dt.date
    status: str
    done_at: dt.datetime | None
    note: str
    overdue: bool


class ForumSourceOut(Schema):
    title: str
    publisher: str
    date: dt.date | None
    url: str


class ForumMeetingDetailOut(ForumMeetingOut):
    summary: str
    minutes: str
    organizations: list[str]
    participants: list[ForumParticipantIO]
    agenda: list[ForumAgendaItemOut]
    follow_ups: list[ForumFollowUpOut]
    source: ForumSourceOut | None


class ForumAgendaIn(Schema):
    title: str
    notes: str = ""
    voice: str | None = None  # a voice's ref (V-2026-0001)


class ForumAgendaUpdateIn(Schema):
    title: str
    notes: str = ""


class ForumFollowUpIn(Schema):
    title: str
    owner_organization: str  # code
    owner_person: str = ""
    due: str  # YYYY-MM-DD


class ForumFollowUpStatusIn(Schema):
    status: str
    note: str = ""


class ForumArticleIn(Schema):
    title: str
    body: str
    topic: str = "other"
    visibility: str = "all"


class ForumArticleOut(Schema):
    id: int
    title: str
    body: str
    topic: str
    visibility: str
    organization: str
    author: str
    published_at: dt.datetime

    @staticmethod
    def resolve_organization(obj: Article) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_author(obj: Article) -> str:
        return obj.author.display_name or obj.author.username


class ForumQuestionIn(Schema):
    title: str
    body: str
    topic: str = "other"


class ForumAnswerIn(Schema):
    body: str


class ForumAcceptIn(Schema):
    answer: int


class ForumAnswerOut(Schema):
    id: int
    body: str
    organization: str
    author: str
    created_at: dt.datetime
    accepted: bool


class ForumQuestionOut(Schema):
    id: int
    title: str
    body: str
    topic: str
    status: str
    organization: str
    author: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    answer_count: int
    accepted_answer: int | None


class ForumQuestionDetailOut(ForumQuestionOut):
    answers: list[ForumAnswerOut]


# --------------------------------------------------------------------------- shaping


def _month(value: dt.date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def _project(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organization": p.organization.code,
        "organization_name": p.organization.name,
        "title": p.title,
        "topic": p.topic,
        "stage": p.stage,
        "start": _month(p.start),
        "end": _month(p.end),
        "scale": p.scale,
        "vendors": p.vendors,
        "cost_band": p.cost_band,
        "network_model": p.network_model,
        "network_model_after": p.network_model_after,
        "welcomes_contact": p.welcomes_contact,
        "visibility": p.visibility,
        "updated_at": p.updated_at,
        "version": p.version,
    }


def _project_detail(actor: Any, p: Project) -> dict[str, Any]:
    history = selectors.project_history(actor=actor, project=p)
    return _project(p) | {
        "summary": p.summary,
        "lessons": p.lessons,
        "documents": [{"title": d.title, "url": d.url} for d in p.documents.all()],
        "stages": [{"stage": s.stage, "on": s.on} for s in history],
        "contact": p.contact_id if p.organization_id == actor.organization_id else None,
    }


def _peer(row: selectors.PeerRow) -> dict[str, Any]:
    m = row.match
    return {
        "project": _project(row.project),
        "score": round(m.score, 4),
        "size": round(m.size, 4),
        "timing": round(m.timing, 4),
        "model": round(m.model, 4),
        "size_ratio": m.size_ratio,
        "months_apart": m.months_apart,
        "model_reason": m.model_reason,
        "welcomes_contact": m.welcomes_contact,
        "connect_status": row.connect_status,
    }


def _connect(actor: Any, r: ConnectRequest) -> dict[str, Any]:
    intro = selectors.connect_introduction(actor=actor, request=r)
    return {
        "id": r.pk,
        "from_project": r.from_project_id,
        "from_organization": r.from_project.organization.code,
        "to_project": r.to_project_id,
        "to_organization": r.to_project.organization.code,
        "message": r.message,
        "status": r.status,
        "reply": r.reply,
        "created_at": r.created_at,
        "answered_at": r.answered_at,
        "introduction": intro.__dict__ if intro else None,
    }


def _agenda(row: selectors.AgendaRow) -> dict[str, Any]:
    item = row.item
    hidden = row.has_voice and not row.voice_visible
    voice = item.voice if row.has_voice and row.voice_visible else None
    return {
        "id": item.pk,
        "order": item.order,
        "title": _("a request (not visible to you)") if hidden else item.title,
        "notes": row.notes,
        "voice": {"ref": voice.ref, "title": voice.title, "status": voice.status}
        if voice
        else None,
        "voice_hidden": hidden,
    }


def _follow_up(row: selectors.FollowUpRow) -> dict[str, Any]:
    a = row.action
    return {
        "id": a.pk,
        "meeting": a.meeting_id,
        "title": a.title,
        "owner_organization": a.owner_organization.code,
        "owner_person": a.owner_person,
        "due": a.due,
        "status": a.status,
        "done_at": a.done_at,
        "note": a.note,
        "overdue": row.overdue,
    }


def _meeting_detail(actor: Any, m: Meeting) -> dict[str, Any]:
    source = None
    if m.source_title or m.source_url:
        source = {
            "title": m.source_title,
            "publisher": m.source_publisher,
            "date": m.source_date,
            "url": m.source_url,
        }
    return {
        "id": m.pk,
        "kind": m.kind,
        "number": m.number,
        "title": m.title,
        "date": m.date,
        "status": m.status,
        "place": m.place,
        "version": m.version,
        "summary": m.summary,
        "minutes": m.minutes,
        "organizations": [o.code for o in m.organizations.all()],
        "participants": [
            {
                "name": p.name,
                "title": p.title,
                "organization": p.organization.code if p.organization else None,
            }
            for p in m.participants.all()
        ],
        "agenda": [_agenda(r) for r in selectors.agenda_of(actor=actor, meeting=m)],
        "follow_ups": [_follow_up(r) for r in selectors.follow_ups_of(actor=actor, meeting=m)],
        "source": source,
    }


def _answer(a: Answer, accepted_id: int | None) -> dict[str, Any]:
    return {
        "id": a.pk,
        "body": a.body,
        "organization": a.organization.code,
        "author": a.author.display_name or a.author.username,
        "created_at": a.created_at,
        "accepted": a.pk == accepted_id,
    }


def _question(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "title": q.title,
        "body": q.body,
        "topic": q.topic,
        "status": q.status,
        "organization": q.organization.code,
        "author": q.author.display_name or q.author.username,
        "created_at": q.created_at,
        "closed_at": q.closed_at,
        "answer_count": q.answer_count,
        "accepted_answer": q.accepted_answer_id,
    }


def _question_detail(actor: Any, q: Question) -> dict[str, Any]:
    answers = selectors.answers_of(actor=actor, question=q)
    return _question(q) | {"answers": [_answer(a, q.accepted_answer_id) for a in answers]}


def _org_id(code: str | None) -> int | None:
    if not code:
        return None
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise NotFound()
    return org.pk


# --------------------------------------------------------------------------- projects


@router.get("/projects", response={200: list[ForumProjectOut], **ERRORS}, summary="Peer projects")
def project_list_api(
    request: HttpRequest,
    topic: str | None = None,
    stage: str | None = None,
    organization: str | None = None,
    mine: bool = False,
    welcomes_contact: bool = False,
) -> Any:
    qs = selectors.project_list(
        actor=api_actor(request),
        topic=topic,
        stage=stage,
        organization_id=_org_id(organization),
        mine=mine,
        welcomes_contact=welcomes_contact,
    )
    return [_project(p) for p in qs[:500]]


@router.post(
    "/projects", response={201: ForumProjectDetailOut, **ERRORS}, summary="Register a project"
)
def project_create_api(request: HttpRequest, payload: ForumProjectIn) -> Any:
    actor = api_writer(request)
    data = payload.dict()
    documents = data.pop("documents")
    project = services.project_create(actor=actor, data=data, documents=documents)
    return Status(
        201, _project_detail(actor, selectors.project_get(actor=actor, project_id=project.pk))
    )


@router.get(
    "/projects/{project_id}", response={200: ForumProjectDetailOut, **ERRORS}, summary="A project"
)
def project_get_api(request: HttpRequest, project_id: int) -> Any:
    actor = api_actor(request)
    return _project_detail(actor, selectors.project_get(actor=actor, project_id=project_id))


@router.put(
    "/projects/{project_id}",
    response={200: ForumProjectDetailOut, **ERRORS},
    summary="Change a project (own organisation; send the version you read)",
)
def project_update_api(request: HttpRequest, project_id: int, payload: ForumProjectUpdateIn) -> Any:
    actor = api_writer(request)
    project = selectors.project_get(actor=actor, project_id=project_id)
    data = payload.dict()
    documents = data.pop("documents")
    version = data.pop("version")
    services.project_update(
        actor=actor, project=project, data=data, documents=documents, version=version
    )
    return _project_detail(actor, selectors.project_get(actor=actor, project_id=project.pk))


@router.get(
    "/projects/{project_id}/peers",
    response={200: ForumPeersOut, **ERRORS},
    summary="Peers of a project: who did it (ranked, with the score's parts), who is at my stage",
)
def project_peers_api(request: HttpRequest, project_id: int) -> Any:
    view = selectors.project_peers(actor=api_actor(request), project_id=project_id)
    return {
        "project": _project(view.project),
        "done": [_peer(r) for r in view.done],
        "same_stage": [_peer(r) for r in view.same_stage],
    }


@router.post(
    "/projects/{project_id}/connect",
    response={201: ForumConnectOut, **ERRORS},
    summary="Ask a peer project's contact to be introduced",
)
def connect_create_api(request: HttpRequest, project_id: int, payload: ForumConnectIn) -> Any:
    actor = api_writer(request)
    mine = selectors.project_get(actor=actor, project_id=project_id)
    peer = selectors.project_get(actor=actor, project_id=payload.to_project)
    req = services.connect_request_create(
        actor=actor, from_project=mine, to_project=peer, message=payload.message
    )
    return Status(
        201, _connect(actor, selectors.connect_request_get(actor=actor, connect_id=req.pk))
    )


@router.get(
    "/topic-map",
    response={200: ForumTopicMapOut, **ERRORS},
    summary="Where each municipality is on a topic, and stage counts per topic",
)
def topic_map_api(request: HttpRequest, topic: str = "network_renewal") -> Any:
    actor = api_actor(request)
    rows = selectors.topic_stages(actor=actor, topic=topic)
    return {
        "topic": topic,
        "organizations": [
            {
                "code": r.organization.code,
                "name": r.organization.name,
                "region": r.organization.region,
                "stage": r.stage,
                "projects": [p.pk for p in r.projects],
            }
            for r in rows
        ],
        "counts": selectors.topic_stage_counts(actor=actor),
    }


@router.get("/connect", response={200: ForumConnectInboxOut, **ERRORS}, summary="Connect requests")
def connect_list_api(request: HttpRequest) -> Any:
    actor = api_actor(request)
    inbox = selectors.connect_request_list(actor=actor)
    return {
        "incoming": [_connect(actor, r) for r in inbox.incoming],
        "outgoing": [_connect(actor, r) for r in inbox.outgoing],
        "other": [_connect(actor, r) for r in inbox.other],
    }


@router.get(
    "/connect/{connect_id}", response={200: ForumConnectOut, **ERRORS}, summary="A connect request"
)
def connect_get_api(request: HttpRequest, connect_id: int) -> Any:
    actor = api_actor(request)
    return _connect(actor, selectors.connect_request_get(actor=actor, connect_id=connect_id))


@router.post(
    "/connect/{connect_id}/answer",
    response={200: ForumConnectOut, **ERRORS},
    summary="Accept or decline (the peer project's contact)",
)
def connect_answer_api(request: HttpRequest, connect_id: int, payload: ForumConnectAnswerIn) -> Any:
    actor = api_writer(request)
    req = selectors.connect_request_get(actor=actor, connect_id=connect_id)
    services.connect_request_answer(
        actor=actor, request=req, accept=payload.accept, reply=payload.reply
    )
    return _connect(actor, selectors.connect_request_get(actor=actor, connect_id=connect_id))


# --------------------------------------------------------------------------- meetings


@router.get("/meetings", response={200: list[ForumMeetingOut], **ERRORS}, summary="Meetings")
def meeting_list_api(
    request: HttpRequest, kind: str | None = None, status: str | None = None
) -> Any:
    return list(selectors.meeting_list(actor=api_actor(request), kind=kind, status=status)[:500])


def _meeting_args(payload: ForumMeetingIn) -> dict[str, Any]:
    data = payload.dict()
    return {
        "participants": data.pop("participants"),
        "organizations": data.pop("organizations"),
        "data": data,
    }


@router.post(
    "/meetings",
    response={201: ForumMeetingDetailOut, **ERRORS},
    summary="Record a meeting (都 forum managers)",
)
def meeting_create_api(request: HttpRequest, payload: ForumMeetingIn) -> Any:
    actor = api_writer(request)
    args = _meeting_args(payload)
    agenda = args["data"].pop("agenda")
    meeting = services.meeting_create(actor=actor, agenda=agenda, **args)
    return Status(
        201, _meeting_detail(actor, selectors.meeting_get(actor=actor, meeting_id=meeting.pk))
    )


@router.get(
    "/meetings/{meeting_id}", response={200: ForumMeetingDetailOut, **ERRORS}, summary="A meeting"
)
def meeting_get_api(request: HttpRequest, meeting_id: int) -> Any:
    actor = api_actor(request)
    return _meeting_detail(actor, selectors.meeting_get(actor=actor, meeting_id=meeting_id))


@router.put(
    "/meetings/{meeting_id}",
    response={200: ForumMeetingDetailOut, **ERRORS},
    summary="Change a meeting's record (send the version you read)",
)
def meeting_update_api(request: HttpRequest, meeting_id: int, payload: ForumMeetingUpdateIn) -> Any:
    actor = api_writer(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    args = _meeting_args(payload)
    args["data"].pop("agenda")
    version = args["data"].pop("version")
    services.meeting_update(actor=actor, meeting=meeting, version=version, **args)
    return _meeting_detail(actor, selectors.meeting_get(actor=actor, meeting_id=meeting_id))


def _voice_for(actor: Any, ref: str | None) -> Any:
    if not ref:
        return None
    from tsunagu.voices.selectors import voice_list

    voice = voice_list(actor=actor).filter(ref=ref).first()
    if voice is None:
        raise NotFound()
    return voice


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: ForumAgendaItemOut, **ERRORS},
    summary="Add an agenda topic (optionally a voice, by its ref)",
)
def agenda_add_api(request: HttpRequest, meeting_id: int, payload: ForumAgendaIn) -> Any:
    actor = api_writer(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    voice = _voice_for(actor, payload.voice) if selectors.may_manage(actor) else None
    item = services.agenda_item_add(
        actor=actor, meeting=meeting, title=payload.title, notes=payload.notes, voice=voice
    )
    return Status(201, _agenda(selectors.AgendaRow(item, True)))


def _agenda_item(meeting: Meeting, agenda_id: int) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, pk=agenda_id).first()
    if item is None:
        raise NotFound()
    return item


@router.put(
    "/meetings/{meeting_id}/agenda/{agenda_id}",
    response={200: ForumAgendaItemOut, **ERRORS},
    summary="Change an agenda topic's title or notes",
)
def agenda_update_api(
    request: HttpRequest, meeting_id: int, agenda_id: int, payload: ForumAgendaUpdateIn
) -> Any:
    actor = api_writer(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    item = services.agenda_item_update(
        actor=actor,
        item=_agenda_item(meeting, agenda_id),
        title=payload.title,
        notes=payload.notes,
    )
    rows = selectors.agenda_of(actor=actor, meeting=meeting)
    return _agenda(next(r for r in rows if r.item.pk == item.pk))


@router.delete(
    "/meetings/{meeting_id}/agenda/{agenda_id}",
    response={204: None, **ERRORS},
    summary="Remove an agenda topic",
)
def agenda_remove_api(request: HttpRequest, meeting_id: int, agenda_id: int) -> Any:
    actor = api_writer(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    services.agenda_item_remove(actor=actor, item=_agenda_item(meeting, agenda_id))
    return Status(204, None)


@router.post(
    "/meetings/{meeting_id}/follow-ups",
    response={201: ForumFollowUpOut, **ERRORS},
    summary="Add a follow-up action",
)
def follow_up_add_api(request: HttpRequest, meeting_id: int, payload: ForumFollowUpIn) -> Any:
    actor = api_writer(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    action = services.follow_up_add(actor=actor, meeting=meeting, data=payload.dict())
    rows = selectors.follow_ups_of(actor=actor, meeting=meeting)
    return Status(201, _follow_up(next(r for r in rows if r.action.pk == action.pk)))


@router.get(
    "/follow-ups",
    response={200: list[ForumFollowUpOut], **ERRORS},
    summary="Follow-up actions (open by default; status=all for every one)",
)
def follow_up_list_api(request: HttpRequest, status: str = "open", mine: bool = False) -> Any:
    rows = selectors.follow_up_list(
        actor=api_actor(request), status=None if status == "all" else status, mine=mine
    )
    return [_follow_up(r) for r in rows]


@router.post(
    "/follow-ups/{follow_up_id}/status",
    response={200: ForumFollowUpOut, **ERRORS},
    summary="Mark a follow-up action done or open (都 managers or the owner organisation)",
)
def follow_up_status_api(
    request: HttpRequest, follow_up_id: int, payload: ForumFollowUpStatusIn
) -> Any:
    actor = api_writer(request)
    action = selectors.follow_up_get(actor=actor, follow_up_id=follow_up_id)
    services.follow_up_set_status(
        actor=actor, action=action, status=payload.status, note=payload.note
    )
    rows = selectors.follow_ups_of(actor=actor, meeting=action.meeting)
    return _follow_up(next(r for r in rows if r.action.pk == action.pk))


# --------------------------------------------------------------------------- articles, Q&A


@router.get("/articles", response={200: list[ForumArticleOut], **ERRORS}, summary="Articles")
def article_list_api(request: HttpRequest, topic: str | None = None) -> Any:
    return list(selectors.article_list(actor=api_actor(request), topic=topic)[:500])


@router.post("/articles", response={201: ForumArticleOut, **ERRORS}, summary="Publish an article")
def article_create_api(request: HttpRequest, payload: ForumArticleIn) -> Any:
    actor = api_writer(request)
    article = services.article_create(actor=actor, data=payload.dict())
    return Status(201, selectors.article_get(actor=actor, article_id=article.pk))


@router.get(
    "/articles/{article_id}", response={200: ForumArticleOut, **ERRORS}, summary="An article"
)
def article_get_api(request: HttpRequest, article_id: int) -> Any:
    return selectors.article_get(actor=api_actor(request), article_id=article_id)


@router.get("/questions", response={200: list[ForumQuestionOut], **ERRORS}, summary="Questions")
def question_list_api(
    request: HttpRequest,
    topic: str | None = None,
    status: str | None = None,
    unanswered: bool = False,
) -> Any:
    qs = selectors.question_list(
        actor=api_actor(request), topic=topic, status=status, unanswered=unanswered
    )
    return [_question(q) for q in qs[:500]]


@router.post("/questions", response={201: ForumQuestionDetailOut, **ERRORS}, summary="Ask")
def question_create_api(request: HttpRequest, payload: ForumQuestionIn) -> Any:
    actor = api_writer(request)
    question = services.question_create(actor=actor, data=payload.dict())
    detail = _question_detail(actor, selectors.question_get(actor=actor, question_id=question.pk))
    return Status(201, detail)


@router.get(
    "/questions/{question_id}",
    response={200: ForumQuestionDetailOut, **ERRORS},
    summary="A question with its answers (the accepted one first)",
)
def question_get_api(request: HttpRequest, question_id: int) -> Any:
    actor = api_actor(request)
    return _question_detail(actor, selectors.question_get(actor=actor, question_id=question_id))


@router.post(
    "/questions/{question_id}/answers",
    response={201: ForumAnswerOut, **ERRORS},
    summary="Answer an open question",
)
def answer_create_api(request: HttpRequest, question_id: int, payload: ForumAnswerIn) -> Any:
    actor = api_writer(request)
    question = selectors.question_get(actor=actor, question_id=question_id)
    answer = services.answer_create(actor=actor, question=question, body=payload.body)
    return Status(201, _answer(answer, question.accepted_answer_id))


@router.post(
    "/questions/{question_id}/accept",
    response={200: ForumQuestionDetailOut, **ERRORS},
    summary="Accept an answer (the asking organisation or 都 managers)",
)
def answer_accept_api(request: HttpRequest, question_id: int, payload: ForumAcceptIn) -> Any:
    actor = api_writer(request)
    question = selectors.question_get(actor=actor, question_id=question_id)
    answer = selectors.answer_get(actor=actor, question=question, answer_id=payload.answer)
    services.answer_accept(actor=actor, question=question, answer=answer)
    return _question_detail(actor, selectors.question_get(actor=actor, question_id=question_id))


@router.post(
    "/questions/{question_id}/close",
    response={200: ForumQuestionDetailOut, **ERRORS},
    summary="Close a question (the asking organisation or 都 managers)",
)
def question_close_api(request: HttpRequest, question_id: int) -> Any:
    actor = api_writer(request)
    question = selectors.question_get(actor=actor, question_id=question_id)
    services.question_close(actor=actor, question=question)
    return _question_detail(actor, selectors.question_get(actor=actor, question_id=question_id))
