"""Consortium API: every endpoint works for a member, answers with the published schema, refuses
bad input with a stable code, and is a 404 for another municipality."""

from __future__ import annotations

import importlib

import pytest

from tsunagu.consortium import services
from tsunagu.consortium.models import HarmonisationItem, Meeting, Position
from tsunagu.core.models import AuditEntry

from .conftest import CUT_OVER, KOGANEI, all_positions, raise_item

try:  # the repository's OpenAPI checker (tests/api/openapi.py), when importable
    openapi_check = importlib.import_module("tests.api.openapi").check
except ImportError:  # pragma: no cover - running the app's tests alone
    openapi_check = None

API = "/api/v1/consortium"


def call(client, method, path, json=None):
    kw = {"data": json, "content_type": "application/json"} if json is not None else {}
    res = getattr(client, method.lower())(path, **kw)
    if openapi_check is not None and res.status_code != 405:
        openapi_check(res, method, path)
    return res


@pytest.fixture
def world(g):
    item = raise_item(g, title="住民票の写しの交付請求書の様式")
    all_positions(g, item)
    meeting = services.meeting_create(
        actor=g.hino, working_group=g.wgs[0], held_on="2026-12-01", title="第1回", items=[item]
    )
    action = services.action_create(
        actor=g.hino,
        meeting=meeting,
        title="様式を持ち寄る",
        owner=g.orgs[KOGANEI],
        due_on="2026-12-20",
    )
    g.item, g.meeting, g.action = item, meeting, action
    return g


def endpoints(w) -> list[tuple[str, str, dict | None]]:
    s = w.group.slug
    n = w.item.number
    m = w.meeting.pk
    return [
        ("GET", f"{API}/groups/{s}", None),
        ("POST", f"{API}/groups/{s}/members/{KOGANEI}/cut-over", {"cut_over_on": "2027-12-01"}),
        ("GET", f"{API}/groups/{s}/working-groups", None),
        ("GET", f"{API}/groups/{s}/dashboard", None),
        ("GET", f"{API}/groups/{s}/working-groups/1/dashboard", None),
        ("GET", f"{API}/groups/{s}/items", None),
        ("POST", f"{API}/groups/{s}/items", {"working_group": 1, "title": "外から"}),
        ("POST", f"{API}/groups/{s}/items/import", {"csv": "working_group,title\n1,外から\n"}),
        ("GET", f"{API}/groups/{s}/items/{n}", None),
        ("PATCH", f"{API}/groups/{s}/items/{n}", {"version": 2, "title": "外から"}),
        ("PUT", f"{API}/groups/{s}/items/{n}/position", {"stance": "adopt"}),
        ("POST", f"{API}/groups/{s}/items/{n}/decision", {"decision": "adopt", "text": "x"}),
        ("POST", f"{API}/groups/{s}/items/{n}/withdraw", {"reason": "x"}),
        ("GET", f"{API}/groups/{s}/meetings", None),
        (
            "POST",
            f"{API}/groups/{s}/meetings",
            {"working_group": 1, "held_on": "2026-12-24", "title": "外から"},
        ),
        ("GET", f"{API}/groups/{s}/meetings/{m}", None),
        ("POST", f"{API}/groups/{s}/meetings/{m}/agenda", {"items": [n]}),
        ("PUT", f"{API}/groups/{s}/meetings/{m}/minutes", {"minutes": "外から"}),
        (
            "POST",
            f"{API}/groups/{s}/meetings/{m}/actions",
            {"title": "外から", "owner": KOGANEI, "due_on": "2026-12-31"},
        ),
        ("GET", f"{API}/groups/{s}/actions", None),
        ("POST", f"{API}/groups/{s}/actions/{w.action.pk}/done", None),
        ("GET", f"{API}/groups/{s}/onboarding/{KOGANEI}", None),
        ("GET", f"{API}/groups/{s}/progress", None),
        ("PUT", f"{API}/groups/{s}/progress/{KOGANEI}/n01-juki", {"steps": {"1": "done"}}),
    ]


def test_another_municipality_gets_404_from_every_group_endpoint(world, client_for):
    client = client_for(world.musashino)
    audit_before = AuditEntry.objects.count()
    for method, path, body in endpoints(world):
        res = call(client, method, path, json=body)
        assert res.status_code == 404, (method, path, res.status_code, res.content[:200])
        assert res.json()["code"] == "not_found"
    # Nothing changed.
    world.item.refresh_from_db()
    assert (
        world.item.status == "discussion" and world.item.title == "住民票の写しの交付請求書の様式"
    )
    assert HarmonisationItem.objects.count() == 1 and Meeting.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before
    assert call(client, "GET", f"{API}/groups").json() == []
    assert call(client, "GET", f"{API}/waiting").json()["count"] == 0
    assert call(client, "GET", f"{API}/overview").status_code == 403


def test_every_endpoint_answers_a_member(world, client_for):
    hino = client_for(world.hino)
    koganei = client_for(world.koganei)
    mitaka = client_for(world.mitaka)
    s = world.group.slug
    n = world.item.number
    groups = call(koganei, "GET", f"{API}/groups").json()
    assert [x["slug"] for x in groups] == [s]
    detail = call(koganei, "GET", f"{API}/groups/{s}").json()
    assert {m["code"]: m["status"] for m in detail["members"]}[KOGANEI] == "joining"
    assert {b["kind"] for b in detail["governance"]} == set()
    wgs = call(koganei, "GET", f"{API}/groups/{s}/working-groups").json()
    assert [w["number"] for w in wgs] == [1, 2, 3] and wgs[0]["open"] == 1
    dash = call(koganei, "GET", f"{API}/groups/{s}/dashboard").json()
    assert dash["open"] == 1 and dash["ready_for_decision"] == 1
    assert call(koganei, "GET", f"{API}/groups/{s}/working-groups/1/dashboard").json()["open"] == 1
    page = call(koganei, "GET", f"{API}/groups/{s}/items?waiting=true").json()
    assert page["count"] == 1 and page["items"][0]["ref"] == "TST-0001"
    created = call(
        koganei,
        "POST",
        f"{API}/groups/{s}/items",
        json={
            "working_group": 2,
            "title": "小金井市からの提起",
            "practices": {KOGANEI: "紙で受付"},
        },
    )
    assert created.status_code == 201 and created.json()["number"] == 2
    pos = {p["organization"]: p for p in created.json()["positions"]}
    assert pos[KOGANEI]["current_practice"] == "紙で受付"
    one = call(koganei, "GET", f"{API}/groups/{s}/items/{n}").json()
    assert len(one["positions"]) == 4 and one["status"] == "discussion"
    patched = call(
        hino,
        "PATCH",
        f"{API}/groups/{s}/items/{n}",
        json={"version": one["version"], "note": "補足"},
    )
    assert patched.status_code == 200 and patched.json()["note"] == "補足"
    stale = call(
        hino,
        "PATCH",
        f"{API}/groups/{s}/items/{n}",
        json={"version": one["version"], "note": "古い"},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    filed = call(
        koganei,
        "PUT",
        f"{API}/groups/{s}/items/{n}/position",
        json={"stance": "customise", "reason": "独自の手当"},
    )
    assert filed.status_code == 200 and filed.json()["stance"] == "customise"
    decided = call(
        hino,
        "POST",
        f"{API}/groups/{s}/items/{n}/decision",
        json={"decision": "adopt", "text": "統一", "meeting": world.meeting.pk},
    )
    assert decided.status_code == 200 and decided.json()["decided_org"] == "132128"
    assert decided.json()["decided_in"] == world.meeting.pk
    withdraw = call(hino, "POST", f"{API}/groups/{s}/items/2/withdraw", json={"reason": "重複"})
    assert withdraw.status_code == 403 and withdraw.json()["code"] == "not_lead"  # WG2 is 立川市's
    meetings = call(koganei, "GET", f"{API}/groups/{s}/meetings").json()
    assert [x["id"] for x in meetings] == [world.meeting.pk]
    new = call(
        hino,
        "POST",
        f"{API}/groups/{s}/meetings",
        json={"working_group": 1, "held_on": "2027-01-15", "title": "第2回"},
    )
    assert new.status_code == 201 and new.json()["agenda"] == []
    third = raise_item(world, title="次回の議題")
    agenda = call(
        hino,
        "POST",
        f"{API}/groups/{s}/meetings/{new.json()['id']}/agenda",
        json={"items": [third.number]},
    )
    assert [a["item"] for a in agenda.json()["agenda"]] == [third.number]
    unknown = call(
        hino, "POST", f"{API}/groups/{s}/meetings/{new.json()['id']}/agenda", json={"items": [999]}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_items"
    minutes = call(
        hino,
        "PUT",
        f"{API}/groups/{s}/meetings/{world.meeting.pk}/minutes",
        json={"minutes": "議事録"},
    )
    assert minutes.json()["status"] == "held"
    action = call(
        hino,
        "POST",
        f"{API}/groups/{s}/meetings/{world.meeting.pk}/actions",
        json={"title": "見積り", "owner": "132021", "due_on": "2027-01-31", "item": n},
    )
    assert action.status_code == 201 and action.json()["item"] == n
    assert len(call(koganei, "GET", f"{API}/groups/{s}/actions").json()) == 2
    done = call(koganei, "POST", f"{API}/groups/{s}/actions/{world.action.pk}/done")
    assert done.status_code == 200 and done.json()["done_at"]
    ob = call(koganei, "GET", f"{API}/groups/{s}/onboarding/{KOGANEI}").json()
    assert ob["cut_over_on"] == CUT_OVER.isoformat() and len(ob["working_groups"]) == 3
    prog = call(
        koganei,
        "PUT",
        f"{API}/groups/{s}/progress/{KOGANEI}/n01-juki",
        json={"steps": {"1": "done", "2": "doing"}},
    )
    assert prog.json() == {"changed": 2}
    other = call(
        koganei, "PUT", f"{API}/groups/{s}/progress/132128/n01-juki", json={"steps": {"1": "done"}}
    )
    assert other.status_code == 404  # only one's own checklist
    assert call(koganei, "GET", f"{API}/groups/{s}/progress").json()["members"][-1]["done"] in (
        0,
        1,
    )
    cut = call(
        mitaka,
        "POST",
        f"{API}/groups/{s}/members/{KOGANEI}/cut-over",
        json={"cut_over_on": "2028-01-04"},
    )
    assert cut.status_code == 200 and cut.json()["cut_over_on"] == "2028-01-04"
    waiting = call(koganei, "GET", f"{API}/waiting").json()
    assert waiting["positions_total"] >= 1


def test_bad_input_over_the_api(world, client_for):
    hino = client_for(world.hino)
    s = world.group.slug
    n = world.item.number
    late = call(
        hino,
        "POST",
        f"{API}/groups/{s}/items",
        json={"working_group": 1, "title": "阻害", "blocking": True, "due_on": "2027-12-24"},
    )
    assert late.status_code == 422 and late.json()["code"] == "blocking_due_after_cut_over"
    quorum_item = raise_item(world, title="定足数なし")
    no_quorum = call(
        hino,
        "POST",
        f"{API}/groups/{s}/items/{quorum_item.number}/decision",
        json={"decision": "adopt", "text": "統一"},
    )
    assert no_quorum.status_code == 422 and no_quorum.json()["code"] == "no_quorum"
    assert no_quorum.json()["details"]["required"] == 3
    tokyo = client_for(world.tokyo)
    outsider = call(tokyo, "PUT", f"{API}/groups/{s}/items/{n}/position", json={"stance": "adopt"})
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_a_member"
    assert not Position.objects.filter(organization__code="130001").exists()
    auditor = client_for(world.auditor)
    assert call(auditor, "GET", f"{API}/groups/{s}/items/{n}").status_code == 200
    assert (
        call(
            auditor, "PUT", f"{API}/groups/{s}/items/{n}/position", json={"stance": "adopt"}
        ).status_code
        == 403
    )
    bad = call(hino, "PUT", f"{API}/groups/{s}/items/{n}/position", json={"stance": "keep"})
    assert bad.status_code == 422 and "reason" in bad.json()["details"]
    overview = call(tokyo, "GET", f"{API}/overview").json()
    assert overview[0]["joining"][0]["code"] == KOGANEI


def test_odd_paging_and_dates_over_the_api_are_not_500s(world, client_for):
    hino = client_for(world.hino)
    s = world.group.slug
    res = call(hino, "GET", f"{API}/groups/{s}/items?page=1000000000000000000")
    assert res.status_code == 200 and res.json()["items"] == []
    res = call(
        hino,
        "POST",
        f"{API}/groups/{s}/items",
        {"working_group": 1, "title": "遠い期限", "due_on": "9999-12-31"},
    )
    assert res.status_code == 422 and "due_on" in res.json()["details"]
    res = call(
        hino,
        "POST",
        f"{API}/groups/{s}/items/import",
        {"csv": "working_group,title\n²,上付き数字のWG\n1,費用,\n", "dry_run": True},
    )
    assert res.status_code == 200
    assert {e["field"] for e in res.json()["errors"]} == {"working_group"}


def test_responses_are_checked_against_the_published_openapi_document():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[4]
    if (repo / "tests" / "api" / "openapi.py").exists():
        assert openapi_check is not None
