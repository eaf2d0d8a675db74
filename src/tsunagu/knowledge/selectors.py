"""Forum reads, scoped to the actor.

* Every member with ``FORUM_READ`` sees meetings, questions, and the projects and articles shared
  with all members; a project or article kept to its organisation is seen by that organisation
  only (and by 都 forum managers and auditors). Missing and not-visible look the same.
* An agenda topic linked to a voice shows the voice only to those who may see the voice.
* A connect request is seen by the two organisations; contact details only once accepted, and
  only by the two contacts (and the person who asked).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.models import User
from tsunagu.core.errors import NotFound, PermissionDenied
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can, is_auditor
from tsunagu.core.roles import Cap
from tsunagu.engines.peers import PeerMatch, find_peers

from .adapters import project_facts
from .models import (
    STAGE_ORDER,
    AgendaItem,
    Answer,
    Article,
    ConnectRequest,
    FollowUpAction,
    Meeting,
    MeetingKind,
    Project,
    ProjectStage,
    Question,
    Stage,
    Topic,
    Visibility,
)

PEER_LIMIT = 30


def sees_all(actor: Actor) -> bool:
    """都 forum managers and auditors see projects and articles kept to one organisation."""
    return can(actor, Cap.FORUM_MANAGE) or is_auditor(actor)


def _require_read(actor: Actor) -> None:
    if not can(actor, Cap.FORUM_READ):
        raise PermissionDenied()


def may_contribute(actor: Actor) -> bool:
    return can(actor, Cap.FORUM_CONTRIBUTE) and can(actor, Cap.WRITE)


def may_manage(actor: Actor) -> bool:
    return can(actor, Cap.FORUM_MANAGE) and can(actor, Cap.WRITE)


def _shared_q(actor: Actor) -> Q:
    if sees_all(actor):
        return Q()
    return Q(visibility=Visibility.ALL) | Q(organization_id=actor.organization_id)


# --------------------------------------------------------------------------- projects


def project_list(
    *,
    actor: Actor,
    topic: str | None = None,
    stage: str | None = None,
    organization_id: int | None = None,
    mine: bool = False,
    welcomes_contact: bool = False,
) -> QuerySet[Project]:
    """Projects the actor may see, newest change first, with filters."""
    _require_read(actor)
    qs = Project.objects.filter(_shared_q(actor)).select_related("organization")
    if topic:
        qs = qs.filter(topic=topic)
    if stage:
        qs = qs.filter(stage=stage)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if mine:
        qs = qs.filter(organization_id=actor.organization_id)
    if welcomes_contact:
        qs = qs.filter(welcomes_contact=True, contact__isnull=False)
    return qs.order_by("-updated_at", "-pk")


def project_get(*, actor: Actor, project_id: int) -> Project:
    """One project; another organisation's private project is NotFound, like a missing one."""
    _require_read(actor)
    project = (
        Project.objects.filter(_shared_q(actor), pk=project_id)
        .select_related("organization", "contact", "created_by", "updated_by")
        .prefetch_related("documents")
        .first()
    )
    if project is None:
        raise NotFound()
    return project


def can_edit_project(actor: Actor, project: Project) -> bool:
    return may_contribute(actor) and project.organization_id == actor.organization_id


def project_history(*, actor: Actor, project: Project) -> list[ProjectStage]:
    project_get(actor=actor, project_id=project.pk)
    return list(project.stage_history.order_by("on", "pk"))


def contact_choices(*, actor: Actor) -> list[User]:
    """People of the actor's organisation who can be named as a project's contact."""
    _require_read(actor)
    return list(
        User.objects.filter(organization_id=actor.organization_id, is_active=True).order_by(
            "display_name", "username"
        )
    )


@dataclass(frozen=True)
class PeerRow:
    project: Project
    match: PeerMatch
    connect_status: str = ""  # "open" / "accepted" between the two projects, if any

    @property
    def points(self) -> float:
        return round(self.match.score * 100, 1)


@dataclass
class PeerView:
    project: Project
    done: list[PeerRow] = field(default_factory=list)
    same_stage: list[PeerRow] = field(default_factory=list)
    can_connect: bool = False


def project_peers(*, actor: Actor, project_id: int, limit: int = PEER_LIMIT) -> PeerView:
    """For one project: other organisations' projects on the same topic that are built or
    being built, ranked by similarity (with the parts of the score), and those at the same
    stage now. Only projects the actor may see are considered."""
    project = project_get(actor=actor, project_id=project_id)
    candidates = {
        p.pk: p
        for p in Project.objects.filter(_shared_q(actor), topic=project.topic)
        .exclude(organization_id=project.organization_id)
        .select_related("organization")
    }
    result = find_peers(
        project_facts(project), [project_facts(p) for p in candidates.values()], limit=limit
    )
    statuses: dict[int, str] = {}
    for req in ConnectRequest.objects.filter(
        Q(from_project=project) | Q(to_project=project),
        status__in=[ConnectRequest.Status.OPEN, ConnectRequest.Status.ACCEPTED],
    ):
        other = req.to_project_id if req.from_project_id == project.pk else req.from_project_id
        if statuses.get(other) != ConnectRequest.Status.ACCEPTED:
            statuses[other] = req.status
    return PeerView(
        project=project,
        done=[
            PeerRow(candidates[m.project_id], m, statuses.get(m.project_id, ""))
            for m in result.done
        ],
        same_stage=[
            PeerRow(candidates[m.project_id], m, statuses.get(m.project_id, ""))
            for m in result.same_stage
        ],
        can_connect=can_edit_project(actor, project),
    )


# --------------------------------------------------------------------------- topic map


@dataclass(frozen=True)
class OrgStage:
    organization: Organization
    stage: str  # "" when the organisation has no visible project on the topic
    projects: tuple[Project, ...]


def topic_stages(*, actor: Actor, topic: str) -> list[OrgStage]:
    """Where each of the 62 municipalities is on a topic: the stage of its most recent visible
    project (by start, then last change), with all its visible projects on the topic."""
    _require_read(actor)
    by_org: dict[int, list[Project]] = defaultdict(list)
    for p in project_list(actor=actor, topic=topic):
        by_org[p.organization_id].append(p)
    out = []
    for org in Organization.objects.exclude(kind="都").order_by("code"):
        projects = sorted(
            by_org.get(org.pk, []),
            key=lambda p: (p.start or dt.date.min, p.updated_at),
            reverse=True,
        )
        out.append(OrgStage(org, projects[0].stage if projects else "", tuple(projects)))
    return out


def topic_stage_counts(*, actor: Actor) -> dict[str, dict[str, int]]:
    """For every topic, how many municipalities are at each stage (each organisation counted
    once, at the stage of its most recent visible project on the topic)."""
    _require_read(actor)
    latest: dict[tuple[str, int], tuple[Any, str]] = {}
    for p in project_list(actor=actor).exclude(organization__kind="都"):
        key = (p.topic, p.organization_id)
        rank = (p.start or dt.date.min, p.updated_at)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, p.stage)
    counts: dict[str, Counter[str]] = {t: Counter() for t in Topic.values}
    for (topic, _org), (_rank, stage) in latest.items():
        counts[topic][stage] += 1
    return {t: {s: counts[t].get(s, 0) for s in STAGE_ORDER} for t in Topic.values}


# --------------------------------------------------------------------------- connect requests


def _connect_parties_q(actor: Actor) -> Q:
    if sees_all(actor):
        return Q()
    org = actor.organization_id
    return Q(from_project__organization_id=org) | Q(to_project__organization_id=org)


@dataclass
class ConnectInbox:
    incoming: list[ConnectRequest]  # waiting for my answer (I am the peer's contact)
    outgoing: list[ConnectRequest]  # sent from my organisation's projects
    other: list[ConnectRequest]  # to my organisation's projects, answered or for colleagues


def connect_request_list(*, actor: Actor) -> ConnectInbox:
    _require_read(actor)
    qs = (
        ConnectRequest.objects.filter(_connect_parties_q(actor))
        .select_related(
            "from_project__organization", "to_project__organization", "from_contact", "to_contact"
        )
        .order_by("-created_at", "-pk")[:300]
    )
    incoming, outgoing, other = [], [], []
    for r in qs:
        if r.to_contact_id == actor.pk and r.status == ConnectRequest.Status.OPEN:
            incoming.append(r)
        elif r.from_project.organization_id == actor.organization_id:
            outgoing.append(r)
        else:
            other.append(r)
    return ConnectInbox(incoming, outgoing, other)


def connect_request_get(*, actor: Actor, connect_id: int) -> ConnectRequest:
    _require_read(actor)
    req = (
        ConnectRequest.objects.filter(_connect_parties_q(actor), pk=connect_id)
        .select_related(
            "from_project__organization",
            "to_project__organization",
            "from_contact",
            "to_contact",
            "created_by",
        )
        .first()
    )
    if req is None:
        raise NotFound()
    return req


@dataclass(frozen=True)
class Introduction:
    name: str
    email: str
    department: str
    organization: str


def connect_introduction(*, actor: Actor, request: ConnectRequest) -> Introduction | None:
    """Once accepted: the other side's contact (name, e-mail, department) for each contact
    (and the person who asked); None before acceptance or for anyone else."""
    if request.status != ConnectRequest.Status.ACCEPTED:
        return None
    if actor.pk == request.to_contact_id:
        other, org = request.from_contact, request.from_project.organization
    elif actor.pk in (request.from_contact_id, request.created_by_id):
        other, org = request.to_contact, request.to_project.organization
    else:
        return None
    return Introduction(
        name=other.display_name or other.username,
        email=other.email,
        department=other.department,
        organization=org.name,
    )


def connect_open_count(*, actor: Actor) -> int:
    return ConnectRequest.objects.filter(
        to_contact_id=actor.pk, status=ConnectRequest.Status.OPEN
    ).count()


# --------------------------------------------------------------------------- meetings


def meeting_list(
    *, actor: Actor, kind: str | None = None, status: str | None = None
) -> QuerySet[Meeting]:
    _require_read(actor)
    qs = Meeting.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-pk")


def meeting_get(*, actor: Actor, meeting_id: int) -> Meeting:
    _require_read(actor)
    meeting = (
        Meeting.objects.filter(pk=meeting_id)
        .prefetch_related("participants__organization", "organizations")
        .first()
    )
    if meeting is None:
        raise NotFound()
    return meeting


def meeting_next(*, actor: Actor, today: dt.date | None = None) -> Meeting | None:
    _require_read(actor)
    today = today or timezone.localdate()
    return (
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, date__gte=today)
        .order_by("date", "pk")
        .first()
    )


def visible_voice_ids(*, actor: Actor, voice_ids: set[int]) -> set[int]:
    """Which of these voices the actor may see (the voices app decides)."""
    if not voice_ids:
        return set()
    from tsunagu.voices.selectors import voice_list

    try:
        qs = voice_list(actor=actor)
    except (PermissionDenied, NotFound):
        return set()
    return set(qs.filter(pk__in=voice_ids).values_list("pk", flat=True))


@dataclass(frozen=True)
class AgendaRow:
    item: AgendaItem
    voice_visible: bool  # False: a linked voice the viewer may not see

    @property
    def has_voice(self) -> bool:
        return self.item.voice_id is not None

    @property
    def title(self) -> str:
        return self.item.title if self.voice_visible or not self.has_voice else ""

    @property
    def notes(self) -> str:
        return self.item.notes if self.voice_visible or not self.has_voice else ""


def agenda_of(*, actor: Actor, meeting: Meeting) -> list[AgendaRow]:
    """A meeting's agenda as the actor may see it: topics linked to a voice the actor may not
    see keep neither title nor notes (only that there is such a request)."""
    _require_read(actor)
    items = list(meeting.agenda.select_related("voice").order_by("order", "pk"))
    ids = {i.voice_id for i in items if i.voice_id is not None}
    visible = visible_voice_ids(actor=actor, voice_ids=ids)
    return [AgendaRow(i, i.voice_id is None or i.voice_id in visible) for i in items]


@dataclass(frozen=True)
class FollowUpRow:
    action: FollowUpAction
    overdue: bool
    can_update: bool


def _follow_up_rows(
    actor: Actor, actions: list[FollowUpAction], today: dt.date
) -> list[FollowUpRow]:
    manage = may_manage(actor)
    contribute = may_contribute(actor)
    return [
        FollowUpRow(
            a,
            overdue=a.status == FollowUpAction.Status.OPEN and a.due < today,
            can_update=manage or (contribute and a.owner_organization_id == actor.organization_id),
        )
        for a in actions
    ]


def follow_ups_of(
    *, actor: Actor, meeting: Meeting, today: dt.date | None = None
) -> list[FollowUpRow]:
    _require_read(actor)
    today = today or timezone.localdate()
    actions = list(meeting.follow_ups.select_related("owner_organization").order_by("due", "pk"))
    return _follow_up_rows(actor, actions, today)


def follow_up_list(
    *,
    actor: Actor,
    status: str | None = FollowUpAction.Status.OPEN,
    mine: bool = False,
    today: dt.date | None = None,
) -> list[FollowUpRow]:
    """Follow-up actions (open ones by default), soonest due first, with an overdue marker."""
    _require_read(actor)
    today = today or timezone.localdate()
    qs = FollowUpAction.objects.select_related("meeting", "owner_organization")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(owner_organization_id=actor.organization_id)
    return _follow_up_rows(actor, list(qs.order_by("due", "pk")[:300]), today)


def follow_up_get(*, actor: Actor, follow_up_id: int) -> FollowUpAction:
    _require_read(actor)
    action = (
        FollowUpAction.objects.select_related("meeting", "owner_organization")
        .filter(pk=follow_up_id)
        .first()
    )
    if action is None:
        raise NotFound()
    return action


# --------------------------------------------------------------------------- articles, Q&A


def article_list(*, actor: Actor, topic: str | None = None) -> QuerySet[Article]:
    _require_read(actor)
    qs = Article.objects.filter(_shared_q(actor)).select_related("organization", "author")
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("-published_at", "-pk")


def article_get(*, actor: Actor, article_id: int) -> Article:
    _require_read(actor)
    article = (
        Article.objects.filter(_shared_q(actor), pk=article_id)
        .select_related("organization", "author")
        .first()
    )
    if article is None:
        raise NotFound()
    return article


def question_list(
    *, actor: Actor, topic: str | None = None, status: str | None = None, unanswered: bool = False
) -> QuerySet[Question]:
    _require_read(actor)
    qs = Question.objects.select_related("organization", "author")
    if topic:
        qs = qs.filter(topic=topic)
    if status:
        qs = qs.filter(status=status)
    if unanswered:
        qs = qs.filter(answer_count=0)
    return qs.order_by("-created_at", "-pk")


def question_get(*, actor: Actor, question_id: int) -> Question:
    _require_read(actor)
    question = (
        Question.objects.filter(pk=question_id)
        .select_related("organization", "author", "accepted_answer")
        .first()
    )
    if question is None:
        raise NotFound()
    return question


def answers_of(*, actor: Actor, question: Question) -> list[Answer]:
    """The answers, the accepted one first, then oldest first."""
    _require_read(actor)
    answers = list(
        question.answers.select_related("organization", "author").order_by("created_at", "pk")
    )
    answers.sort(key=lambda a: a.pk != question.accepted_answer_id)
    return answers


def answer_get(*, actor: Actor, question: Question, answer_id: int) -> Answer:
    _require_read(actor)
    answer = Answer.objects.filter(pk=answer_id, question=question).first()
    if answer is None:
        raise NotFound()
    return answer


def may_accept(actor: Actor, question: Question) -> bool:
    return may_manage(actor) or (
        may_contribute(actor) and actor.organization_id == question.organization_id
    )


# --------------------------------------------------------------------------- home


@dataclass
class ForumHome:
    next_meeting: Meeting | None
    recent_meetings: list[Meeting]
    questions: list[Question]
    articles: list[Article]
    my_projects: list[Project]
    follow_ups: list[FollowUpRow]
    connect_waiting: int
    counts: dict[str, int]


def forum_home(*, actor: Actor, today: dt.date | None = None) -> ForumHome:
    _require_read(actor)
    today = today or timezone.localdate()
    projects = project_list(actor=actor)
    return ForumHome(
        next_meeting=meeting_next(actor=actor, today=today),
        recent_meetings=list(meeting_list(actor=actor, status=Meeting.Status.HELD)[:3]),
        questions=list(question_list(actor=actor)[:5]),
        articles=list(article_list(actor=actor)[:5]),
        my_projects=list(projects.filter(organization_id=actor.organization_id)[:10]),
        follow_ups=follow_up_list(actor=actor, today=today)[:8],
        connect_waiting=connect_open_count(actor=actor),
        counts={
            "projects": projects.count(),
            "live": projects.filter(stage=Stage.LIVE).count(),
            "welcoming": projects.filter(welcomes_contact=True).count(),
            "forum_meetings": Meeting.objects.filter(kind=MeetingKind.CIO_FORUM).count(),
        },
    )
