"""Articles and questions: publishing, visibility, answers, one accepted answer chosen by the
asking organisation (or 都 managers), closed questions, bad input."""

from __future__ import annotations

import pytest

from tsunagu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tsunagu.knowledge import selectors, services
from tsunagu.knowledge.models import Answer, Article, Question
from tsunagu.notifications.models import Notification
from tsunagu.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def ask(actor, **kw):
    data = {
        "title": "無線LANの同時接続数の見積もり方",
        "body": "職員数約1,100人です。会議室の同時接続数をどう見積もりましたか。",
        "topic": "network_renewal",
    }
    data.update(kw)
    return services.question_create(actor=actor, data=data)


def test_article_visibility_and_index(koganei_staff, musashino_staff, manager):
    shared = services.article_create(
        actor=koganei_staff,
        data={"title": "更新の振り返り", "body": "仕様書は早めに公開し、質問を受け付けました。"},
    )
    own = services.article_create(
        actor=koganei_staff,
        data={
            "title": "庁内限り",
            "body": "庁内向けの検討メモです。まだ公開しません。",
            "visibility": "own",
        },
    )
    assert set(selectors.article_list(actor=musashino_staff)) == {shared}
    with pytest.raises(NotFound):
        selectors.article_get(actor=musashino_staff, article_id=own.pk)
    assert selectors.article_get(actor=manager, article_id=own.pk) == own
    assert SearchDocument.objects.get(kind="article", object_id=str(own.pk)).visibility == "own"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "body": "十分な長さの本文があります。二十文字以上。"}, "title"),
        ({"title": "t", "body": "短い"}, "body"),
        ({"title": "t", "body": "あ" * 20001}, "body"),
        (
            {"title": "t", "body": "十分な長さの本文があります。二十文字以上。", "topic": "x"},
            "topic",
        ),
    ],
)
def test_bad_articles_are_refused(koganei_staff, data, field):
    with pytest.raises(ValidationFailed) as exc:
        services.article_create(actor=koganei_staff, data=data)
    assert field in exc.value.details
    assert not Article.objects.exists()


def test_answer_accept_and_close(koganei_staff, musashino_staff, mitaka_staff, manager):
    q = ask(koganei_staff)
    a1 = services.answer_create(
        actor=musashino_staff, question=q, body="職員数×1.2台で見積もりました。"
    )
    a2 = services.answer_create(actor=mitaka_staff, question=q, body="試験機で1か月実測しました。")
    assert (
        Notification.objects.filter(recipient=koganei_staff, kind="forum.question_answered").count()
        == 2
    )
    # Another organisation cannot choose the accepted answer.
    with pytest.raises(PermissionDenied):
        services.answer_accept(actor=musashino_staff, question=q, answer=a1)
    q = services.answer_accept(actor=koganei_staff, question=q, answer=a1)
    assert q.accepted_answer == a1
    assert Notification.objects.filter(
        recipient=musashino_staff, kind="forum.answer_accepted"
    ).exists()
    # One accepted answer: choosing another replaces it (都 managers may too).
    q = services.answer_accept(actor=manager, question=q, answer=a2)
    assert q.accepted_answer == a2
    assert [a.pk for a in selectors.answers_of(actor=koganei_staff, question=q)] == [a2.pk, a1.pk]
    doc = SearchDocument.objects.get(kind="question", object_id=str(q.pk))
    assert "実測" in doc.body
    q = services.question_close(actor=koganei_staff, question=q)
    assert q.status == "closed"
    for call in (
        lambda: services.answer_create(actor=mitaka_staff, question=q, body="遅れての回答です。"),
        lambda: services.answer_accept(actor=koganei_staff, question=q, answer=a1),
        lambda: services.question_close(actor=koganei_staff, question=q),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "question_closed"
    assert Answer.objects.count() == 2
    assert Question.objects.get(pk=q.pk).accepted_answer_id == a2.pk


def test_accepting_an_answer_of_another_question_is_not_found(koganei_staff, musashino_staff):
    q1, q2 = ask(koganei_staff), ask(koganei_staff, title="別の質問")
    a = services.answer_create(actor=musashino_staff, question=q2, body="別の質問への回答です。")
    with pytest.raises(NotFound):
        services.answer_accept(actor=koganei_staff, question=q1, answer=a)


@pytest.mark.parametrize("body", ["", "   ", "短い", "あ" * 8001])
def test_empty_short_or_enormous_answers_are_refused(koganei_staff, musashino_staff, body):
    q = ask(koganei_staff)
    with pytest.raises(ValidationFailed) as exc:
        services.answer_create(actor=musashino_staff, question=q, body=body)
    assert "body" in exc.value.details
    assert not Answer.objects.exists()


def test_readers_who_may_not_contribute_cannot_ask_or_answer(koganei_staff, auditor, expert):
    q = ask(koganei_staff)
    for actor in (auditor, expert):
        with pytest.raises(PermissionDenied):
            ask(actor)
        with pytest.raises(PermissionDenied):
            services.answer_create(actor=actor, question=q, body="読み取りのみの回答です。")
    assert selectors.question_get(actor=expert, question_id=q.pk) == q
