"""The forum's items as search documents: projects, meetings, articles and questions.

Visibility is decided here, once: a project or article kept to its own organisation is
``Visibility.OWN``; meetings and questions are for every member. Agenda topics linked to a voice
are never indexed with the meeting (the voice's own visibility applies to it; the voices app
indexes it), so a meeting hit cannot reveal a voice the searcher may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils import translation

from tsunagu.search.documents import IndexDoc
from tsunagu.search.documents import Visibility as DocVisibility

from .models import Article, Meeting, Project, Question, Visibility

_VISIBILITY = {Visibility.ALL: DocVisibility.ALL, Visibility.OWN: DocVisibility.OWN}
BODY_MAX = 30000


def _ids(ids: Iterable[int | str] | None) -> list[int] | None:
    return None if ids is None else [int(i) for i in ids]


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)[:BODY_MAX]


def project_doc(project: Project) -> IndexDoc:
    with translation.override("ja"):
        topic = str(project.get_topic_display())
        stage = str(project.get_stage_display())
    org = project.organization
    return IndexDoc(
        kind="project",
        object_id=str(project.pk),
        title=project.title,
        body=_join(
            f"{org.name} {topic} {stage}",
            project.summary,
            project.lessons,
            project.vendors,
            " ".join(d.title for d in project.documents.all()),
        ),
        url=f"/forum/projects/{project.pk}/",
        updated_at=project.updated_at,
        organization_id=project.organization_id,
        visibility=_VISIBILITY[Visibility(project.visibility)],
        facet=project.topic,
        extra={"stage": project.stage},
    )


def project_docs(ids: Iterable[int | str] | None = None) -> Iterator[IndexDoc]:
    """Every project (or those with ``ids``) as index documents."""
    qs = Project.objects.select_related("organization").prefetch_related("documents")
    wanted = _ids(ids)
    if wanted is not None:
        qs = qs.filter(pk__in=wanted)
    for project in qs.order_by("pk").iterator(chunk_size=500):
        yield project_doc(project)


def meeting_doc(meeting: Meeting) -> IndexDoc:
    people = " ".join(
        f"{p.organization.name if p.organization else ''} {p.title} {p.name}".strip()
        for p in meeting.participants.all()
    )
    agenda = "\n".join(f"{a.title}\n{a.notes}" for a in meeting.agenda.all() if a.voice_id is None)
    return IndexDoc(
        kind="meeting",
        object_id=str(meeting.pk),
        title=meeting.title,
        body=_join(
            meeting.summary, agenda, people, meeting.source_title, meeting.place, meeting.minutes
        ),
        url=f"/forum/meetings/{meeting.pk}/",
        updated_at=meeting.updated_at,
        organization_id=None,
        visibility=DocVisibility.ALL,
        facet=meeting.kind,
        extra={"date": meeting.date.isoformat(), "status": meeting.status},
    )


def meeting_docs(ids: Iterable[int | str] | None = None) -> Iterator[IndexDoc]:
    """Every meeting (or those with ``ids``) as index documents."""
    qs = Meeting.objects.prefetch_related("participants__organization", "agenda")
    wanted = _ids(ids)
    if wanted is not None:
        qs = qs.filter(pk__in=wanted)
    for meeting in qs.order_by("pk").iterator(chunk_size=200):
        yield meeting_doc(meeting)


def article_doc(article: Article) -> IndexDoc:
    return IndexDoc(
        kind="article",
        object_id=str(article.pk),
        title=article.title,
        body=_join(article.organization.name, article.body),
        url=f"/forum/articles/{article.pk}/",
        updated_at=article.published_at,
        organization_id=article.organization_id,
        visibility=_VISIBILITY[Visibility(article.visibility)],
        facet=article.topic,
        extra={"organization": article.organization.name},
    )


def article_docs(ids: Iterable[int | str] | None = None) -> Iterator[IndexDoc]:
    """Every article (or those with ``ids``) as index documents."""
    qs = Article.objects.select_related("organization")
    wanted = _ids(ids)
    if wanted is not None:
        qs = qs.filter(pk__in=wanted)
    for article in qs.order_by("pk").iterator(chunk_size=500):
        yield article_doc(article)


def question_doc(question: Question) -> IndexDoc:
    answers = [a.body for a in question.answers.all()]
    updated = max([question.created_at, *(a.created_at for a in question.answers.all())])
    return IndexDoc(
        kind="question",
        object_id=str(question.pk),
        title=question.title,
        body=_join(question.body, *answers),
        url=f"/forum/questions/{question.pk}/",
        updated_at=question.closed_at or updated,
        organization_id=question.organization_id,
        visibility=DocVisibility.ALL,
        facet=question.topic,
        extra={
            "status": question.status,
            "accepted": "yes" if question.accepted_answer_id else "no",
        },
    )


def question_docs(ids: Iterable[int | str] | None = None) -> Iterator[IndexDoc]:
    """Every question (or those with ``ids``) with its answers, as index documents."""
    qs = Question.objects.prefetch_related("answers")
    wanted = _ids(ids)
    if wanted is not None:
        qs = qs.filter(pk__in=wanted)
    for question in qs.order_by("pk").iterator(chunk_size=500):
        yield question_doc(question)
