"""Consortium pages: each renders for its audience, forms keep what was typed on refusal, other
municipalities get 404 everywhere, CSV exports, and the onboarding view reads a fixed number of
queries whatever the number of items."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagu.consortium import services
from tsunagu.consortium.models import (
    HarmonisationItem,
    Position,
    StepProgress,
    WorkingGroup,
)

from .conftest import CUT_OVER, HINO, KOGANEI, all_positions, raise_item


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


def pages(w) -> list[str]:
    s = w.group.slug
    return [
        f"/consortium/{s}/",
        f"/consortium/{s}/wg/1/",
        f"/consortium/{s}/items/",
        f"/consortium/{s}/items/?wg=1&status=open&q=%E4%BD%8F&disagree=1&waiting=1&blocking=1",
        f"/consortium/{s}/items/new/",
        f"/consortium/{s}/items/import/",
        f"/consortium/{s}/items/{w.item.number}/",
        f"/consortium/{s}/items/{w.item.number}/edit/",
        f"/consortium/{s}/items/export.csv",
        f"/consortium/{s}/items/template.csv",
        f"/consortium/{s}/meetings/new/?wg=1",
        f"/consortium/{s}/meetings/{w.meeting.pk}/",
        f"/consortium/{s}/onboarding/{KOGANEI}/",
        f"/consortium/{s}/progress/",
        f"/consortium/{s}/progress.csv",
        f"/consortium/{s}/progress/{KOGANEI}/n01-juki/",
    ]


def test_every_page_renders_for_the_lead(world, client_for):
    client = client_for(world.hino)
    for path in ["/consortium/", "/consortium/waiting/", *pages(world)]:
        res = client.get(path)
        assert res.status_code == 200, path
    assert client.get("/consortium/overview/").status_code == 404  # Tokyo only
    assert client.get(f"/consortium/{world.group.slug}/onboarding/").status_code == 200


def test_tokyo_and_auditors_see_everything_read_only(world, client_for):
    for user in (world.tokyo, world.auditor):
        client = client_for(user)
        html = client.get("/consortium/overview/").content.decode()
        assert 'data-testid="overview"' in html and world.group.name in html
        assert client.get(f"/consortium/{world.group.slug}/").status_code == 200
        html = client.get(
            f"/consortium/{world.group.slug}/items/{world.item.number}/"
        ).content.decode()
        assert 'data-testid="position-form"' not in html
        res = client.post(
            f"/consortium/{world.group.slug}/items/{world.item.number}/",
            {"action": "position", "stance": "adopt"},
        )
        assert res.status_code in (403, 404, 422)
        assert client.get(f"/consortium/{world.group.slug}/items/new/").status_code == 404


def test_another_municipality_gets_404_everywhere(world, client_for):
    client = client_for(world.musashino)
    for path in pages(world):
        assert client.get(path).status_code == 404, path
    s = world.group.slug
    for path, data in (
        (f"/consortium/{s}/items/{world.item.number}/", {"action": "position", "stance": "adopt"}),
        (f"/consortium/{s}/items/new/", {"wg": "1", "title": "x"}),
        (f"/consortium/{s}/meetings/{world.meeting.pk}/", {"action": "minutes", "minutes": "x"}),
        (f"/consortium/{s}/actions/{world.action.pk}/done/", {}),
        (f"/consortium/{s}/members/{KOGANEI}/cut-over/", {"cut_over_on": "2027-12-01"}),
        (f"/consortium/{s}/progress/132039/n01-juki/", {"step_1": "done"}),
    ):
        assert client.post(path, data).status_code == 404, path
    assert not Position.objects.filter(organization__code="132039").exists()
    assert HarmonisationItem.objects.count() == 1
    home = client.get("/consortium/").content.decode()
    assert world.group.name not in home


def test_the_item_form_keeps_input_when_the_due_date_is_after_the_cut_over(world, client_for):
    client = client_for(world.hino)
    form = {
        "wg": "1",
        "title": "印鑑登録証の再交付手数料",
        "due_on": "2027-12-24",
        "blocking": "1",
        "practice": "窓口で300円",
        "package_behaviour": "標準では手数料区分が一つ",
    }
    res = client.post(f"/consortium/{world.group.slug}/items/new/", form)
    assert res.status_code == 422
    html = res.content.decode()
    assert 'data-testid="error-summary"' in html and "2027-11-01" in html
    assert 'value="印鑑登録証の再交付手数料"' in html and "窓口で300円" in html
    assert 'value="2027-12-24"' in html
    assert HarmonisationItem.objects.count() == 1
    form["due_on"] = "2027-09-30"
    res = client.post(f"/consortium/{world.group.slug}/items/new/", form)
    assert res.status_code == 302
    item = HarmonisationItem.objects.get(number=2)
    assert (
        item.blocking
        and item.positions.get(organization__code=HINO).current_practice == "窓口で300円"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cost_impact_yen", "²"),  # str.isdigit() is true, int() refuses it
        ("due_on", "99999999999999999999-01-01"),  # overflowed dt.date
        ("due_on", "9999-12-31"),  # accepted, then broke the onboarding timeline
    ],
)
def test_the_item_form_refuses_odd_numbers_and_dates_without_a_500(world, client_for, field, value):
    client = client_for(world.hino)
    form = {"wg": "1", "title": "外字の取扱い", field: value}
    res = client.post(f"/consortium/{world.group.slug}/items/new/", form)
    assert res.status_code == 422
    assert f'value="{value}"' in res.content.decode()
    assert HarmonisationItem.objects.count() == 1
    onboarding = client_for(world.koganei).get(
        f"/consortium/{world.group.slug}/onboarding/{KOGANEI}/"
    )
    assert onboarding.status_code == 200


def test_position_form_refusal_keeps_the_text_and_a_joining_member_returns_to_onboarding(
    world, client_for
):
    client = client_for(world.koganei)
    path = f"/consortium/{world.group.slug}/items/{world.item.number}/"
    res = client.post(
        path, {"action": "position", "stance": "keep", "reason": "", "current_practice": "紙の様式"}
    )
    assert res.status_code == 422
    html = res.content.decode()
    assert 'data-testid="position-error"' in html and "紙の様式" in html
    back = f"/consortium/{world.group.slug}/onboarding/{KOGANEI}/"
    res = client.post(path, {"action": "position", "stance": "adopt", "reason": "", "next": back})
    assert res.status_code == 302 and res["Location"] == back
    # An open redirect is not followed.
    res = client.post(
        path,
        {"action": "position", "stance": "keep", "reason": "x", "next": "https://evil.example/"},
    )
    assert res["Location"] == path


def test_the_lead_records_a_decision_in_the_meeting_page(world, client_for):
    client = client_for(world.hino)
    path = f"/consortium/{world.group.slug}/meetings/{world.meeting.pk}/"
    lonely = raise_item(world, title="定足数のない項目")
    services.agenda_add(actor=world.hino, meeting=world.meeting, items=[lonely])
    res = client.post(
        path, {"action": "decide", "item": lonely.number, "decision": "adopt", "text": "統一"}
    )
    assert res.status_code == 422
    html = res.content.decode()
    assert 'data-testid="decide-error"' in html and 'value="統一"' in html
    lonely.refresh_from_db()
    assert lonely.status == "discussion"
    res = client.post(
        path,
        {
            "action": "decide",
            "item": world.item.number,
            "decision": "adopt",
            "text": "様式を統一する",
        },
    )
    assert res.status_code == 302
    world.item.refresh_from_db()
    assert world.item.status == "decided" and world.item.decided_in == world.meeting
    html = client.get(path).content.decode()
    assert 'data-testid="agenda-decision"' in html and "様式を統一する" in html
    # Another member sees the meeting but cannot decide in it.
    other = client_for(world.koganei).get(path).content.decode()
    assert 'data-testid="decide-form"' not in other
    res = client_for(world.tachikawa).post(
        path, {"action": "decide", "item": lonely.number, "decision": "adopt", "text": "x"}
    )
    assert res.status_code in (403, 404, 422)
    lonely.refresh_from_db()
    assert lonely.status == "discussion"


def test_progress_csv_is_the_monthly_report(world, client_for):
    services.progress_set(
        actor=world.koganei,
        group=world.group,
        area=WorkingGroup.objects.get(group=world.group, number=1).area,
        steps={1: "done", 2: "done", 3: "doing"},
    )
    res = client_for(world.hino).get(f"/consortium/{world.group.slug}/progress.csv")
    assert res["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert len(rows) == 4 * 2  # four parties × two national areas
    mine = next(r for r in rows if r["organization"] == KOGANEI and r["area"] == "n01-juki")
    assert mine["steps_done"] == "2" and mine["steps_in_progress"] == "1"
    assert (
        mine["steps_total"] == "40" and mine["percent_done"] == "5" and mine["current_step"] == "3"
    )
    assert mine["month"] == timezone.localdate().strftime("%Y-%m")
    detail = client_for(world.hino).get(f"/consortium/{world.group.slug}/progress.csv?detail=1")
    lines = list(csv.DictReader(io.StringIO(detail.content.decode("utf-8-sig"))))
    assert len(lines) == 4 * 2 * 40
    # Only Koganei edits Koganei's checklist.
    path = f"/consortium/{world.group.slug}/progress/{KOGANEI}/n01-juki/"
    assert client_for(world.hino).post(path, {"step_4": "done"}).status_code == 404
    assert (
        client_for(world.koganei)
        .post(path, {"step_1": "done", "step_2": "done", "step_3": "done", "step_4": "done"})
        .status_code
        == 302
    )
    assert StepProgress.objects.filter(organization__code=KOGANEI, status="done").count() == 4


def test_items_export_has_every_members_position(world, client_for):
    res = client_for(world.koganei).get(f"/consortium/{world.group.slug}/items/export.csv")
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0]["ref"] == "TST-0001" and rows[0][f"position_{HINO}"] == "adopt"
    assert rows[0][f"position_{KOGANEI}"] == ""


def test_the_onboarding_page_shows_working_groups_the_timeline_and_the_alert(world, client_for):
    blocker = raise_item(world, title="期限切れの阻害項目", blocking=True, due_on="2027-01-31")
    HarmonisationItem.objects.filter(pk=blocker.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    html = (
        client_for(world.koganei)
        .get(f"/consortium/{world.group.slug}/onboarding/{KOGANEI}/")
        .content.decode()
    )
    assert 'data-testid="cutover-alert"' in html and "期限切れの阻害項目" in html
    assert html.count('<li class="wg-lane') == 3 and '<svg role="img"' in html
    assert "style=" not in html and "<script>" not in html  # CSP: no inline styles or scripts
    assert CUT_OVER.isoformat() in html


def _bulk_items(g, n: int) -> None:
    """``n`` items spread over the working groups in every state, with positions."""
    now = timezone.now()
    start = HarmonisationItem.objects.filter(group=g.group).count()
    statuses = ["open", "discussion", "decided"]
    HarmonisationItem.objects.bulk_create(
        HarmonisationItem(
            group=g.group,
            working_group=g.wgs[i % len(g.wgs)],
            number=start + i + 1,
            title=f"項目 {start + i + 1}",
            status=statuses[i % 3],
            decision="adopt" if i % 3 == 2 else "",
            blocking=i % 11 == 0,
            due_on=dt.date(2027, 1, 1) + dt.timedelta(days=i % 200),
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    )
    items = HarmonisationItem.objects.filter(group=g.group, number__gt=start)
    Position.objects.bulk_create(
        Position(item=item, organization=g.orgs[code], stance="adopt" if k % 2 else "")
        for k, item in enumerate(items)
        for code in (HINO, KOGANEI)
    )


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        res = client.get(path)
    assert res.status_code == 200
    return len(ctx)


def test_onboarding_and_dashboard_read_a_fixed_number_of_queries(g, client_for):
    client = client_for(g.koganei)
    onboarding = f"/consortium/{g.group.slug}/onboarding/{KOGANEI}/"
    dashboard = f"/consortium/{g.group.slug}/"
    _bulk_items(g, 50)
    small = (_queries(client, onboarding), _queries(client, dashboard))
    _bulk_items(g, 450)
    large = (_queries(client, onboarding), _queries(client, dashboard))
    assert small == large, (small, large)
    assert large[0] <= 15
