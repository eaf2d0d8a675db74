"""The forum API: every endpoint for its audience, refusals with stable codes, and every
endpoint as another municipality (private items are 404, others' items cannot be changed)."""

from __future__ import annotations

import json

import pytest
from tests.api.openapi import check

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user
from tsunagu.knowledge import services
from tsunagu.knowledge.models import (
    AgendaItem,
    Answer,
    ConnectRequest,
    FollowUpAction,
    Meeting,
    Project,
    Question,
)
from tsunagu.voices import services as voice_services
from tsunagu.voices.models import Category

from .conftest import KOGANEI, MUSASHINO, TACHIKAWA, make_project, project_data

pytestmark = pytest.mark.django_db
API = "/api/v1/forum"


def call(client, method, path, body=None):
    """One API call; every response is checked against the published OpenAPI document."""
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    res = getattr(client, method)(API + path, **kwargs)
    if res.status_code != 204:
        check(res, method.upper(), API + path)
    return res


@pytest.fixture
def world(koganei_staff, musashino_staff, manager):
    mine = make_project(koganei_staff, title="小金井のネットワーク更新")
    private = make_project(koganei_staff, title="庁内限りの検討", visibility="own")
    peer = make_project(
        musashino_staff, title="武蔵野の再構築", stage="live", start="2023-10", end="2024-10"
    )
    connect = services.connect_request_create(
        actor=koganei_staff, from_project=mine, to_project=peer, message="お話を伺えますか。"
    )
    m = services.meeting_create(
        actor=manager,
        data={"kind": "cio_forum", "title": "定例会", "date": "2030-01-20", "status": "scheduled"},
        agenda=["報告"],
    )
    category = Category.objects.get(key="security-cloud")
    secret = voice_services.voice_file(
        actor=koganei_staff,
        category=category,
        title="都にだけ伝える要望",
        body="この要望は都だけに見せたい内容です。",
        visibility="tokyo",
    )
    services.agenda_item_add(actor=manager, meeting=m, title="", voice=secret)
    action = services.follow_up_add(
        actor=manager,
        meeting=m,
        data={"title": "資料を共有する", "owner_organization": KOGANEI, "due": "2030-02-01"},
    )
    article = services.article_create(
        actor=koganei_staff,
        data={
            "title": "庁内メモ",
            "body": "庁内向けの記事です。外には出しません。",
            "visibility": "own",
        },
    )
    q = services.question_create(
        actor=koganei_staff,
        data={"title": "Wi-Fiの見積もり", "body": "同時接続数の見積もり方を教えてください。"},
    )
    answer = services.answer_create(
        actor=musashino_staff, question=q, body="職員数×1.2台で見積もりました。"
    )
    return {
        "mine": mine,
        "private": private,
        "peer": peer,
        "connect": connect,
        "meeting": m,
        "agenda": m.agenda.get(voice__isnull=True),
        "action": action,
        "article": article,
        "question": q,
        "answer": answer,
    }


def test_projects_api_for_the_owner(koganei_staff, client_for, world):
    c = client_for(koganei_staff)
    res = call(c, "get", "/projects?topic=network_renewal&mine=true")
    assert res.status_code == 200
    assert {p["title"] for p in res.json()} == {"小金井のネットワーク更新", "庁内限りの検討"}
    body = project_data(
        title="庁内Wi-Fi", topic="wifi", documents=[{"title": "仕様", "url": "/forum/"}]
    )
    res = call(c, "post", "/projects", body)
    assert res.status_code == 201, res.json()
    created = res.json()
    assert created["organization"] == KOGANEI and created["documents"][0]["url"] == "/forum/"
    assert created["stages"][0]["stage"] == "planned" and created["contact"] is None
    res = call(c, "put", f"/projects/{created['id']}", body | {"stage": "procuring", "version": 1})
    assert res.status_code == 200 and res.json()["version"] == 2
    assert [s["stage"] for s in res.json()["stages"]] == ["planned", "procuring"]
    res = call(c, "put", f"/projects/{created['id']}", body | {"version": 1})
    assert res.status_code == 409 and res.json()["code"] == "stale_version"
    res = call(c, "get", f"/projects/{world['mine'].pk}")
    assert res.status_code == 200 and res.json()["contact"] == koganei_staff.pk


def test_projects_api_refuses_bad_input_and_changes_nothing(koganei_staff, client_for, db):
    c = client_for(koganei_staff)
    for body, field in (
        (project_data(title=""), "title"),
        (project_data(lessons="あ" * 100_000), "lessons"),
        (project_data(documents=[{"title": "x", "url": "javascript:alert(1)"}]), "documents"),
    ):
        res = call(c, "post", "/projects", body)
        assert res.status_code == 422 and res.json()["code"] == "validation_failed"
        assert field in res.json()["details"]
    res = c.post(API + "/projects", data="{not json", content_type="application/json")
    assert res.status_code in (400, 422)
    assert not Project.objects.exists()


def test_peers_and_connect_api(koganei_staff, musashino_staff, client_for, world):
    c = client_for(koganei_staff)
    res = call(c, "get", f"/projects/{world['mine'].pk}/peers")
    assert res.status_code == 200
    [peer] = res.json()["done"]
    assert peer["project"]["id"] == world["peer"].pk and peer["connect_status"] == "open"
    assert set(peer) >= {"score", "size", "timing", "model", "model_reason", "months_apart"}
    res = call(
        c,
        "post",
        f"/projects/{world['mine'].pk}/connect",
        {"to_project": world["peer"].pk, "message": "再送"},
    )
    assert res.status_code == 409 and res.json()["code"] == "connect_duplicate"
    res = call(
        c,
        "post",
        f"/projects/{world['mine'].pk}/connect",
        {"to_project": world["private"].pk, "message": "x"},
    )
    assert res.status_code == 409 and res.json()["code"] == "connect_own_organisation"
    assert ConnectRequest.objects.count() == 1
    res = call(c, "get", "/connect")
    assert [r["id"] for r in res.json()["outgoing"]] == [world["connect"].pk]
    assert res.json()["outgoing"][0]["introduction"] is None
    m = client_for(musashino_staff)
    assert [r["id"] for r in call(m, "get", "/connect").json()["incoming"]] == [world["connect"].pk]
    res = call(m, "post", f"/connect/{world['connect'].pk}/answer", {"accept": True})
    assert res.status_code == 200 and res.json()["introduction"]["email"] == koganei_staff.email
    res = call(c, "get", f"/connect/{world['connect'].pk}")
    assert res.json()["introduction"]["name"] == musashino_staff.display_name
    res = call(m, "post", f"/connect/{world['connect'].pk}/answer", {"accept": False})
    assert res.status_code == 409 and res.json()["code"] == "connect_answered"
    res = call(c, "get", "/topic-map?topic=network_renewal")
    assert res.status_code == 200
    orgs = {o["code"]: o for o in res.json()["organizations"]}
    assert orgs[KOGANEI]["stage"] == "planned" and orgs[MUSASHINO]["stage"] == "live"
    assert res.json()["counts"]["network_renewal"]["live"] == 1


def test_meetings_api_for_a_manager(manager, client_for, world):
    c = client_for(manager)
    res = call(
        c,
        "post",
        "/meetings",
        {
            "kind": "roundtable",
            "title": "座談会",
            "date": "2022-08-22",
            "status": "held",
            "number": 28,
            "participants": [{"name": "宮坂 学", "title": "都CIO", "organization": "130001"}],
            "agenda": ["人材"],
            "source_title": "CIOフォーラムマガジン 第28回",
        },
    )
    assert res.status_code == 201, res.json()
    mid = res.json()["id"]
    assert res.json()["source"]["title"] == "CIOフォーラムマガジン 第28回"
    res = call(
        c,
        "put",
        f"/meetings/{mid}",
        {
            "kind": "roundtable",
            "title": "座談会（改）",
            "date": "2022-08-22",
            "status": "held",
            "version": 1,
        },
    )
    assert res.status_code == 200 and res.json()["version"] == 2
    res = call(c, "post", f"/meetings/{mid}/agenda", {"title": "ネットワーク", "notes": "更新時期"})
    assert res.status_code == 201
    aid = res.json()["id"]
    res = call(
        c, "put", f"/meetings/{mid}/agenda/{aid}", {"title": "ネットワーク更新", "notes": "来秋"}
    )
    assert res.status_code == 200 and res.json()["notes"] == "来秋"
    assert call(c, "delete", f"/meetings/{mid}/agenda/{aid}").status_code == 204
    res = call(c, "post", f"/meetings/{mid}/agenda", {"title": "x", "voice": "V-0000-0000"})
    assert res.status_code == 404
    res = call(
        c,
        "post",
        f"/meetings/{mid}/follow-ups",
        {"title": "共有", "owner_organization": KOGANEI, "due": "2022-09-30"},
    )
    assert res.status_code == 201 and res.json()["overdue"] is True
    res = call(c, "post", f"/follow-ups/{res.json()['id']}/status", {"status": "done"})
    assert res.status_code == 200 and res.json()["status"] == "done"
    res = call(c, "post", "/meetings", {"kind": "cio_forum", "title": "", "date": "2030-13-01"})
    assert res.status_code == 422 and {"title", "date"} <= set(res.json()["details"])
    detail = call(c, "get", f"/meetings/{world['meeting'].pk}").json()
    assert [a["voice_hidden"] for a in detail["agenda"]] == [False, False]
    assert detail["agenda"][1]["voice"]["title"] == "都にだけ伝える要望"
    assert [f["title"] for f in call(c, "get", "/follow-ups").json()] == ["資料を共有する"]
    assert len(call(c, "get", "/follow-ups?status=all").json()) == 2


def test_articles_and_questions_api(koganei_staff, musashino_staff, client_for, world):
    c = client_for(koganei_staff)
    res = call(
        c,
        "post",
        "/articles",
        {
            "title": "振り返り",
            "body": "更新で学んだことを共有します。十分な長さ。",
            "topic": "wifi",
        },
    )
    assert res.status_code == 201 and res.json()["organization"] == KOGANEI
    assert call(c, "get", f"/articles/{world['article'].pk}").status_code == 200
    assert len(call(c, "get", "/articles").json()) == 2
    res = call(c, "post", "/questions", {"title": "質問", "body": "短い"})
    assert res.status_code == 422 and "body" in res.json()["details"]
    q = world["question"]
    res = call(c, "get", f"/questions/{q.pk}")
    assert res.status_code == 200 and res.json()["answers"][0]["accepted"] is False
    res = call(c, "post", f"/questions/{q.pk}/accept", {"answer": world["answer"].pk})
    assert res.status_code == 200 and res.json()["accepted_answer"] == world["answer"].pk
    assert res.json()["answers"][0]["accepted"] is True
    m = client_for(musashino_staff)
    res = call(
        m, "post", f"/questions/{q.pk}/answers", {"body": "<script>alert(1)</script> 追記です。"}
    )
    assert res.status_code == 201
    assert call(c, "post", f"/questions/{q.pk}/close").status_code == 200
    res = call(m, "post", f"/questions/{q.pk}/answers", {"body": "閉じた後の回答です。"})
    assert res.status_code == 409 and res.json()["code"] == "question_closed"
    res = call(c, "post", f"/questions/{q.pk}/accept", {"answer": world["answer"].pk})
    assert res.status_code == 409 and res.json()["code"] == "question_closed"
    assert Answer.objects.filter(question=q).count() == 2
    assert len(call(c, "get", "/questions?unanswered=true").json()) == 0


def test_every_endpoint_as_another_municipality(tachikawa_staff, client_for, world):
    """Tachikawa sees shared items, never Koganei's private ones, and changes nothing of
    Koganei's, 都's or Musashino's."""
    c = client_for(tachikawa_staff)
    w = world
    before = {
        "projects": list(Project.objects.values_list("pk", "version")),
        "meeting": Meeting.objects.get(pk=w["meeting"].pk).version,
        "agenda": AgendaItem.objects.count(),
        "actions": list(FollowUpAction.objects.values_list("pk", "status")),
        "connect": list(ConnectRequest.objects.values_list("pk", "status")),
        "question": Question.objects.get(pk=w["question"].pk).status,
    }
    # reads: private items are missing, shared ones are there
    listed = {p["id"] for p in call(c, "get", "/projects").json()}
    assert w["mine"].pk in listed and w["private"].pk not in listed
    for path in (
        f"/projects/{w['private'].pk}",
        f"/projects/{w['private'].pk}/peers",
        f"/connect/{w['connect'].pk}",
        f"/articles/{w['article'].pk}",
    ):
        res = call(c, "get", path)
        assert res.status_code == 404 and res.json()["code"] == "not_found", path
    assert call(c, "get", f"/projects/{w['mine'].pk}").json()["contact"] is None
    assert call(c, "get", f"/projects/{w['mine'].pk}/peers").status_code == 200
    assert not any(call(c, "get", "/connect").json().values())
    assert w["article"].pk not in {a["id"] for a in call(c, "get", "/articles").json()}
    topic_map = call(c, "get", "/topic-map").json()
    koganei = next(o for o in topic_map["organizations"] if o["code"] == KOGANEI)
    assert w["private"].pk not in koganei["projects"]
    detail = call(c, "get", f"/meetings/{w['meeting'].pk}")
    assert detail.status_code == 200
    assert "都にだけ伝える要望" not in detail.content.decode()
    hidden = detail.json()["agenda"][1]
    assert hidden["voice_hidden"] is True and hidden["voice"] is None
    assert call(c, "get", "/meetings").status_code == 200
    assert call(c, "get", "/follow-ups").status_code == 200
    assert call(c, "get", f"/questions/{w['question'].pk}").status_code == 200
    # writes on others' items are refused with a code
    body = project_data(title="乗っ取り") | {"version": 1}
    for method, path, payload, codes in (
        ("put", f"/projects/{w['mine'].pk}", body, {403}),
        ("put", f"/projects/{w['private'].pk}", body, {404}),
        (
            "post",
            f"/projects/{w['mine'].pk}/connect",
            {"to_project": w["peer"].pk, "message": "x"},
            {403},
        ),
        (
            "post",
            f"/projects/{w['private'].pk}/connect",
            {"to_project": w["peer"].pk, "message": "x"},
            {404},
        ),
        ("post", f"/connect/{w['connect'].pk}/answer", {"accept": True}, {404}),
        (
            "put",
            f"/meetings/{w['meeting'].pk}",
            {"kind": "cio_forum", "title": "x", "date": "2030-01-20", "version": 1},
            {403},
        ),
        ("post", f"/meetings/{w['meeting'].pk}/agenda", {"title": "x"}, {403}),
        ("put", f"/meetings/{w['meeting'].pk}/agenda/{w['agenda'].pk}", {"title": "x"}, {403}),
        ("delete", f"/meetings/{w['meeting'].pk}/agenda/{w['agenda'].pk}", None, {403}),
        (
            "post",
            f"/meetings/{w['meeting'].pk}/follow-ups",
            {"title": "x", "owner_organization": TACHIKAWA, "due": "2030-01-01"},
            {403},
        ),
        ("post", "/meetings", {"kind": "cio_forum", "title": "x", "date": "2030-01-01"}, {403}),
        ("post", f"/follow-ups/{w['action'].pk}/status", {"status": "done"}, {403}),
        ("post", f"/questions/{w['question'].pk}/accept", {"answer": w["answer"].pk}, {403}),
        ("post", f"/questions/{w['question'].pk}/close", None, {403}),
    ):
        res = call(c, method, path, payload)
        assert res.status_code in codes, (method, path, res.status_code, res.content)
        assert res.json()["code"] in ("permission_denied", "not_found"), path
    after = {
        "projects": list(Project.objects.values_list("pk", "version")),
        "meeting": Meeting.objects.get(pk=w["meeting"].pk).version,
        "agenda": AgendaItem.objects.count(),
        "actions": list(FollowUpAction.objects.values_list("pk", "status")),
        "connect": list(ConnectRequest.objects.values_list("pk", "status")),
        "question": Question.objects.get(pk=w["question"].pk).status,
    }
    assert after == before


def test_readers_cannot_write_through_the_api(auditor, client_for, world):
    c = client_for(auditor)
    assert call(c, "get", f"/projects/{world['private'].pk}").status_code == 200
    res = call(c, "post", "/projects", project_data())
    assert res.status_code == 403
    res = call(c, "post", "/questions", {"title": "質問", "body": "監査担当からの質問です。"})
    assert res.status_code == 403


def test_expert_reads_the_forum_but_not_hidden_voices(client_for, world):
    c = client_for(make_user(Role.EXPERT, "130001"))
    assert call(c, "get", "/meetings").status_code == 200
    detail = call(c, "get", f"/meetings/{world['meeting'].pk}").json()
    assert detail["agenda"][1]["voice_hidden"] is True
    assert call(c, "get", f"/projects/{world['private'].pk}").status_code == 404
