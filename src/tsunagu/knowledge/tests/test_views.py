"""Forum pages: every page renders for its audience, forms keep what was typed when refused,
script in text is inert, the SVG charts obey the CSP, other municipalities get 404."""

from __future__ import annotations

import re

import pytest

from tsunagu.knowledge import services
from tsunagu.knowledge.models import Answer, ConnectRequest, Meeting, Project, Question
from tsunagu.voices import services as voice_services
from tsunagu.voices.models import Category

from .conftest import KOGANEI, make_project, project_data

pytestmark = pytest.mark.django_db
XSS = "<script>alert('x')</script>"


@pytest.fixture
def site(koganei_staff, musashino_staff, manager):
    mine = make_project(koganei_staff, title="小金井のネットワーク更新")
    private = make_project(koganei_staff, title="庁内限りの検討", visibility="own")
    peer = make_project(
        musashino_staff, title="武蔵野の再構築", stage="live", start="2023-10", end="2024-10"
    )
    m = services.meeting_create(
        actor=manager,
        data={"kind": "cio_forum", "title": "定例会", "date": "2030-01-20", "status": "scheduled"},
        agenda=["報告"],
    )
    q = services.question_create(
        actor=koganei_staff, data={"title": "Wi-Fiの見積もり", "body": f"教えてください {XSS}"}
    )
    a = services.article_create(
        actor=musashino_staff, data={"title": "振り返り", "body": f"学んだことの共有です。{XSS}"}
    )
    return {
        "mine": mine,
        "private": private,
        "peer": peer,
        "meeting": m,
        "question": q,
        "article": a,
    }


def test_every_page_renders_for_municipal_staff(koganei_staff, client_for, site):
    c = client_for(koganei_staff)
    paths = [
        "/forum/",
        "/forum/projects/",
        "/forum/projects/?topic=network_renewal&stage=live&organization=132039&mine=1&welcomes=1",
        "/forum/projects/new/",
        f"/forum/projects/{site['mine'].pk}/",
        f"/forum/projects/{site['mine'].pk}/edit/",
        f"/forum/projects/{site['mine'].pk}/peers/",
        f"/forum/projects/{site['mine'].pk}/connect/?to={site['peer'].pk}",
        "/forum/connect/",
        "/forum/map/",
        "/forum/map/?topic=wifi",
        "/forum/map/?topic=nonsense",
        "/forum/meetings/",
        f"/forum/meetings/{site['meeting'].pk}/",
        "/forum/follow-ups/",
        "/forum/articles/",
        "/forum/articles/new/",
        f"/forum/articles/{site['article'].pk}/",
        "/forum/questions/",
        "/forum/questions/new/",
        f"/forum/questions/{site['question'].pk}/",
    ]
    for path in paths:
        res = c.get(path)
        assert res.status_code == 200, path
        html = res.content.decode()
        assert '<html lang="ja">' in html
        assert " style=" not in html, path  # CSP: no inline styles
        assert "<script>" not in html, path  # user text is escaped, no inline scripts
    for path in ("/forum/meetings/new/", f"/forum/meetings/{site['meeting'].pk}/edit/"):
        assert c.get(path).status_code == 404  # managers only


def test_manager_pages(manager, client_for, site):
    c = client_for(manager)
    for path in (
        "/forum/meetings/new/",
        f"/forum/meetings/{site['meeting'].pk}/edit/",
        f"/forum/projects/{site['private'].pk}/",
    ):
        assert c.get(path).status_code == 200, path
    # 都 reads but does not edit another organisation's project.
    assert c.get(f"/forum/projects/{site['mine'].pk}/edit/").status_code == 404


def test_other_municipality_gets_404_for_private_things(tachikawa_staff, client_for, site):
    c = client_for(tachikawa_staff)
    for path in (
        f"/forum/projects/{site['private'].pk}/",
        f"/forum/projects/{site['private'].pk}/edit/",
        f"/forum/projects/{site['private'].pk}/peers/",
        f"/forum/projects/{site['mine'].pk}/edit/",
        f"/forum/projects/{site['mine'].pk}/connect/?to={site['peer'].pk}",
    ):
        assert c.get(path).status_code == 404, path
    res = c.post(f"/forum/projects/{site['mine'].pk}/edit/", project_data(title="乗っ取り"))
    assert res.status_code == 404
    assert Project.objects.get(pk=site["mine"].pk).title == "小金井のネットワーク更新"
    listing = c.get("/forum/projects/").content.decode()
    assert "小金井のネットワーク更新" in listing and "庁内限りの検討" not in listing
    assert "庁内限りの検討" not in c.get("/forum/map/").content.decode()


def test_script_in_text_is_rendered_inert(koganei_staff, client_for, site):
    c = client_for(koganei_staff)
    for path in (
        f"/forum/questions/{site['question'].pk}/",
        f"/forum/articles/{site['article'].pk}/",
    ):
        html = c.get(path).content.decode()
        assert XSS not in html and "&lt;script&gt;" in html


def test_project_form_keeps_everything_typed_on_error(koganei_staff, client_for):
    c = client_for(koganei_staff)
    form = {
        "title": "",
        "topic": "network_renewal",
        "stage": "planned",
        "start": "2027-04",
        "end": "2027-10",
        "scale": "1100",
        "vendors": "未定",
        "lessons": "仕様の粒度を先に決めたい",
        "network_model": "alpha",
        "network_model_after": "beta_prime",
        "cost_band": "100m_500m",
        "welcomes_contact": "on",
        "contact": str(koganei_staff.pk),
        "visibility": "all",
        "doc_title_0": "仕様書案",
        "doc_url_0": "javascript:alert(1)",
    }
    res = c.post("/forum/projects/new/", form)
    assert res.status_code == 422
    html = res.content.decode()
    assert 'data-testid="error-summary"' in html
    for kept in ("仕様の粒度を先に決めたい", "未定", "1100", "2027-04", "仕様書案"):
        assert kept in html, kept
    assert 'value="beta_prime" selected' in html
    assert not Project.objects.exists()
    form |= {"title": "庁内ネットワーク更新", "doc_url_0": "https://example.jp/spec.pdf"}
    res = c.post("/forum/projects/new/", form)
    assert res.status_code == 302
    p = Project.objects.get()
    assert res["Location"] == f"/forum/projects/{p.pk}/peers/"
    assert p.documents.get().url == "https://example.jp/spec.pdf"


def test_project_edit_conflict_keeps_the_typed_values(koganei_staff, client_for, site):
    c = client_for(koganei_staff)
    p = site["mine"]
    form = {**project_data(title="私の変更", lessons="私の教訓"), "version": "1", "contact": ""}
    services.project_update(
        actor=koganei_staff, project=p, data=project_data(title="同僚の変更"), version=1
    )
    res = c.post(f"/forum/projects/{p.pk}/edit/", form)
    assert res.status_code == 409
    html = res.content.decode()
    assert 'data-testid="conflict"' in html and "私の教訓" in html
    assert 'name="version" value="2"' in html  # saving again is possible after a look
    assert Project.objects.get(pk=p.pk).title == "同僚の変更"


def test_connect_flow_in_pages(koganei_staff, musashino_staff, client_for, site):
    c = client_for(koganei_staff)
    peers = c.get(f"/forum/projects/{site['mine'].pk}/peers/").content.decode()
    assert 'data-testid="connect-link"' in peers and "武蔵野の再構築" in peers
    url = f"/forum/projects/{site['mine'].pk}/connect/"
    res = c.post(url, {"to": site["peer"].pk, "message": ""})
    assert res.status_code == 422 and not ConnectRequest.objects.exists()
    res = c.post(url, {"to": site["peer"].pk, "message": "更新の進め方を伺いたいです。"})
    assert res.status_code == 302
    req = ConnectRequest.objects.get()
    res = c.post(url, {"to": site["peer"].pk, "message": "二度目の依頼文"})
    assert res.status_code == 409
    html = res.content.decode()
    assert 'data-testid="refusal"' in html and "二度目の依頼文" in html
    assert ConnectRequest.objects.count() == 1
    m = client_for(musashino_staff)
    assert 'data-testid="accept-connect"' in m.get(f"/forum/connect/{req.pk}/").content.decode()
    assert m.post(f"/forum/connect/{req.pk}/", {"action": "accept"}).status_code == 302
    html = c.get(f"/forum/connect/{req.pk}/").content.decode()
    assert 'data-testid="introduction"' in html and musashino_staff.email in html
    # Only the contact answers.
    assert c.post(f"/forum/connect/{req.pk}/", {"action": "decline"}).status_code == 404


def test_topic_map_is_an_accessible_svg(koganei_staff, client_for, site):
    html = client_for(koganei_staff).get("/forum/map/?topic=network_renewal").content.decode()
    svgs = re.findall(r"<svg role=\"img\".*?</svg>", html, re.S)
    assert len(svgs) == 2
    tile_map = svgs[0]
    assert tile_map.count('<g class="tile') == 62
    assert tile_map.count("tile--mine") == 1
    assert f'data-code="{KOGANEI}" data-stage="planned"' in tile_map
    assert 'data-code="132039" data-stage="live"' in tile_map
    assert "<title" in tile_map and "<desc" in tile_map
    assert 'data-testid="topic-map-text"' in html  # the text alternative
    assert 'data-testid="stage-counts"' in html


def test_meeting_page_hides_voice_titles_and_keeps_form_input(
    manager, koganei_staff, musashino_staff, client_for, site
):
    category = Category.objects.get(key="security-cloud")
    secret = voice_services.voice_file(
        actor=koganei_staff,
        category=category,
        title="都にだけ伝える要望",
        body="この要望は都だけに見せたい内容です。",
        visibility="tokyo",
    )
    m = site["meeting"]
    services.agenda_item_add(actor=manager, meeting=m, title="", voice=secret)
    html = client_for(musashino_staff).get(f"/forum/meetings/{m.pk}/").content.decode()
    assert "都にだけ伝える要望" not in html and 'data-testid="hidden-voice"' in html
    assert (
        "都にだけ伝える要望"
        in client_for(koganei_staff).get(f"/forum/meetings/{m.pk}/").content.decode()
    )
    c = client_for(manager)
    res = c.post(
        f"/forum/meetings/{m.pk}/",
        {
            "action": "add_follow_up",
            "title": "事例を共有する",
            "owner_person": "山口",
            "due": "いつか",
        },
    )
    assert res.status_code == 422
    html = res.content.decode()
    assert "事例を共有する" in html and "山口" in html
    res = c.post(
        f"/forum/meetings/{m.pk}/",
        {
            "action": "add_follow_up",
            "title": "事例を共有する",
            "owner_organization": KOGANEI,
            "due": "2030-02-01",
        },
    )
    assert res.status_code == 302 and m.follow_ups.count() == 1
    # A municipality cannot change the meeting.
    assert (
        client_for(musashino_staff)
        .post(f"/forum/meetings/{m.pk}/", {"action": "add_agenda", "title": "x"})
        .status_code
        == 404
    )


def test_meeting_form_keeps_input_and_creates(manager, client_for):
    c = client_for(manager)
    form = {
        "kind": "roundtable",
        "number": "28",
        "title": "",
        "date": "2022-08-22",
        "status": "held",
        "participants": "宮坂 学 | 東京都CIO | 東京都\n小澤 賢治 | 小金井市CIO | 小金井市",
        "agenda": "人材\nネットワーク",
        "summary": "要約の下書き",
        "organizations": ["132101"],
    }
    res = c.post("/forum/meetings/new/", form)
    assert res.status_code == 422
    assert "小澤 賢治 | 小金井市CIO | 小金井市" in res.content.decode()
    assert not Meeting.objects.exists()
    res = c.post("/forum/meetings/new/", form | {"title": "第28回座談会"})
    assert res.status_code == 302
    m = Meeting.objects.get()
    assert m.participants.count() == 2 and m.agenda.count() == 2
    assert {o.code for o in m.organizations.all()} == {"130001", "132101"}


def test_question_page_answer_accept_close_and_closed_refusal(
    koganei_staff, musashino_staff, client_for, site
):
    q = site["question"]
    m = client_for(musashino_staff)
    url = f"/forum/questions/{q.pk}/"
    res = m.post(url, {"action": "answer", "body": ""})
    assert res.status_code == 422
    assert (
        m.post(url, {"action": "answer", "body": "職員数×1.2台で見積もりました。"}).status_code
        == 302
    )
    a = Answer.objects.get()
    assert m.post(url, {"action": "accept", "answer": a.pk}).status_code == 404  # not the asker
    c = client_for(koganei_staff)
    assert c.post(url, {"action": "accept", "answer": a.pk}).status_code == 302
    assert c.post(url, {"action": "close"}).status_code == 302
    res = m.post(url, {"action": "answer", "body": "閉じた後に書いた回答"})
    assert res.status_code == 409
    html = res.content.decode()
    assert 'data-testid="refusal"' in html and "閉じた後に書いた回答" in html
    assert Answer.objects.count() == 1
    assert Question.objects.get(pk=q.pk).accepted_answer_id == a.pk


def test_follow_up_status_from_the_list(manager, koganei_staff, tachikawa_staff, client_for, site):
    action = services.follow_up_add(
        actor=manager,
        meeting=site["meeting"],
        data={"title": "資料共有", "owner_organization": KOGANEI, "due": "2020-01-01"},
    )
    html = client_for(koganei_staff).get("/forum/follow-ups/").content.decode()
    assert 'data-testid="overdue"' in html
    assert (
        client_for(tachikawa_staff)
        .post(f"/forum/follow-ups/{action.pk}/", {"status": "done"})
        .status_code
        == 404
    )
    res = client_for(koganei_staff).post(
        f"/forum/follow-ups/{action.pk}/", {"status": "done", "back": "list"}
    )
    assert res.status_code == 302 and res["Location"] == "/forum/follow-ups/"
    action.refresh_from_db()
    assert action.status == "done"


def test_readers_without_contribute_see_no_write_forms(auditor, client_for, site):
    c = client_for(auditor)
    assert c.get("/forum/").status_code == 200
    assert c.get("/forum/projects/new/").status_code == 404
    assert c.get("/forum/questions/new/").status_code == 404
    html = c.get(f"/forum/questions/{site['question'].pk}/").content.decode()
    assert 'name="action" value="answer"' not in html
