"""Consortium reads: scope, the onboarding view's categories and blockers, dashboards, "waiting
on me", and the standardisation progress aggregates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.consortium import selectors, services
from tsunagu.consortium.models import BusinessArea, HarmonisationItem
from tsunagu.core.errors import NotFound, PermissionDenied

from .conftest import (
    CUT_OVER,
    HINO,
    KOGANEI,
    MITAKA,
    TACHIKAWA,
    all_positions,
    make_group,
    raise_item,
)

TODAY = dt.date(2026, 11, 22)


def test_a_municipality_sees_only_its_own_groups(g):
    other = make_group(
        slug="other",
        members=("132039", "132063"),
        joining=(),
        secretariat="132039",
        leads=("132039",) * 3,
    )
    assert [x.slug for x in selectors.group_list(actor=g.koganei)] == ["tst"]
    assert [x.slug for x in selectors.group_list(actor=g.musashino)] == ["other"]
    assert {x.slug for x in selectors.group_list(actor=g.tokyo)} == {"tst", "other"}
    assert {x.slug for x in selectors.group_list(actor=g.auditor)} == {"tst", "other"}
    with pytest.raises(NotFound):
        selectors.group_get(actor=g.koganei, slug="other")
    with pytest.raises(NotFound):
        selectors.group_get(actor=g.musashino, slug="tst")
    with pytest.raises(NotFound):
        selectors.group_get(actor=g.koganei, slug="missing")
    with pytest.raises(PermissionDenied):
        selectors.group_list(actor=g.expert)
    item = raise_item(g)
    with pytest.raises(NotFound):
        selectors.item_get(actor=g.musashino, group=g.group, number=item.number)
    with pytest.raises(NotFound):
        selectors.onboarding(actor=g.musashino, group=g.group, code=KOGANEI)
    with pytest.raises(NotFound):
        selectors.progress(actor=g.musashino, group=g.group)
    assert other.group.slug == "other"


def test_onboarding_sorts_everything_a_joining_member_must_settle(g):
    decide = raise_item(g, title="未決定（小金井市が未回答）", due_on="2027-03-01")
    accept = raise_item(g, title="決定済み（小金井市が未回答）", wg=g.wgs[1])
    all_positions(g, accept)
    services.item_decide(actor=g.tachikawa, item=accept, decision="adopt", text="統一")
    differs = raise_item(g, title="決定が小金井市と違う", wg=g.wgs[1])
    all_positions(g, differs)
    services.position_file(actor=g.koganei, item=differs, stance="keep", reason="条例")
    services.item_decide(actor=g.tachikawa, item=differs, decision="adopt", text="統一")
    custom = raise_item(g, title="小金井市のカスタマイズ要望")
    services.position_file(actor=g.koganei, item=custom, stance="customise", reason="独自手当")
    settled = raise_item(g, title="回答済み")
    services.position_file(actor=g.koganei, item=settled, stance="adopt")
    withdrawn = raise_item(g, title="取り下げ")
    services.item_withdraw(actor=g.hino, item=withdrawn, reason="不要")

    ob = selectors.onboarding(actor=g.koganei, group=g.group, code=KOGANEI, today=TODAY)
    assert ob.cut_over == CUT_OVER and ob.days_left == (CUT_OVER - TODAY).days
    assert ob.total == 5  # withdrawn items are not counted
    assert ob.positioned == 3 and ob.percent == 60
    assert ob.counts == {"decide": 1, "accept": 1, "differs": 1, "customise": 1}
    cats = {i.title: i.category for lane in ob.lanes for i in lane.items}
    assert cats == {
        decide.title: "decide",
        accept.title: "accept",
        differs.title: "differs",
        custom.title: "customise",
    }
    assert [lane.wg.number for lane in ob.lanes] == [1, 2, 3]
    assert [lane.outstanding for lane in ob.lanes] == [2, 2, 0]
    assert not ob.blockers
    assert len(ob.timeline.bars) == 3 and ob.timeline.bars[2].tone == "done"
    assert ob.timeline.bars[1].tone == "accept"  # only decisions to accept
    # Everyone in the group (and Tokyo) may look at it; a member is not "joining".
    selectors.onboarding(actor=g.hino, group=g.group, code=KOGANEI)
    selectors.onboarding(actor=g.tokyo, group=g.group, code=KOGANEI)
    with pytest.raises(NotFound):
        selectors.onboarding(actor=g.hino, group=g.group, code=HINO)


def test_an_overdue_or_undated_blocking_item_blocks_the_cut_over(g):
    fine = raise_item(g, title="期限内", blocking=True, due_on="2027-06-01")
    overdue = raise_item(g, title="期限超過", blocking=True, due_on="2027-06-01")
    HarmonisationItem.objects.filter(pk=overdue.pk).update(due_on=TODAY - dt.timedelta(days=3))
    undated = raise_item(g, title="期限なし", blocking=True, due_on="2027-06-01")
    HarmonisationItem.objects.filter(pk=undated.pk).update(due_on=None)
    ob = selectors.onboarding(actor=g.koganei, group=g.group, code=KOGANEI, today=TODAY)
    assert [i.title for i in ob.blockers] == [overdue.title, undated.title]
    lane = ob.lanes[0]
    assert (
        lane.blocked
        and lane.items[0].blocks
        and not any(i.blocks for i in lane.items if i.title == fine.title)
    )
    assert ob.timeline.bars[0].tone == "blocked"
    # Once Koganei has positioned and the item is decided, it no longer blocks.
    for item in (overdue, undated):
        all_positions(g, item)
        services.position_file(actor=g.koganei, item=item, stance="adopt")
        services.item_decide(actor=g.hino, item=item, decision="adopt", text="統一")
    assert not selectors.onboarding(
        actor=g.koganei, group=g.group, code=KOGANEI, today=TODAY
    ).blockers


def test_dashboard_counts_open_disagreements_decisions_and_age(g):
    now = timezone.now()
    split = raise_item(g, title="意見が分かれる")
    services.position_file(actor=g.hino, item=split, stance="adopt")
    services.position_file(actor=g.mitaka, item=split, stance="keep", reason="条例")
    ready = raise_item(g, title="決定できる", wg=g.wgs[1])
    all_positions(g, ready)
    decided = raise_item(g, title="決定済み", wg=g.wgs[1])
    all_positions(g, decided)
    services.item_decide(actor=g.tachikawa, item=decided, decision="adopt", text="統一")
    old = raise_item(g, title="古い", blocking=True, due_on="2027-01-01")
    HarmonisationItem.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(days=400), due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    d = selectors.dashboard(actor=g.koganei, group=g.group)
    assert (d.total, d.open, d.decided, d.withdrawn) == (4, 3, 1, 0)
    assert d.disagreements == 1 and d.ready == 1 and d.decided_this_month == 1
    assert d.blocking_open == 1 and d.overdue == 1
    assert dict(d.age_buckets) == {"0-30": 2, "31-90": 0, "91-180": 0, "181-365": 0, "365+": 1}
    assert d.median_age_days == 0
    assert [(f.wg.number, f.open, f.disagreements, f.decided_this_month) for f in d.by_wg] == [
        (1, 2, 1, 0),
        (2, 1, 0, 1),
        (3, 0, 0, 0),
    ]
    assert d.stances == {"adopt": 4, "keep": 1, "customise": 0}
    wg = selectors.dashboard(actor=g.koganei, group=g.group, working_group=g.wgs[1])
    assert (wg.total, wg.open, wg.ready, wg.decided_this_month) == (2, 1, 1, 1)
    assert dict(d.decisions_by_month)[timezone.localdate().strftime("%Y-%m")] == 1


def test_waiting_on_me(g):
    a = raise_item(g, title="小金井市の回答待ち")
    b = raise_item(g, title="決定済み・小金井市の受け入れ待ち", wg=g.wgs[1])
    all_positions(g, b)
    services.item_decide(actor=g.tachikawa, item=b, decision="adopt", text="統一")
    ready = raise_item(g, title="日野市が決める")
    all_positions(g, ready)
    meeting = services.meeting_create(
        actor=g.hino, working_group=g.wgs[0], held_on="2026-12-01", title="m"
    )
    services.action_create(
        actor=g.hino, meeting=meeting, title="調べる", owner=g.orgs[KOGANEI], due_on="2026-12-10"
    )
    w = selectors.waiting(actor=g.koganei)
    assert {i.title for i in w.positions} == {a.title, b.title, ready.title}
    assert w.positions_total == 3 and not w.ready and len(w.actions) == 1
    h = selectors.waiting(actor=g.hino)
    assert {i.title for i in h.positions} == {a.title}  # members only see open items
    assert [i.title for i in h.ready] == [ready.title]
    assert not selectors.waiting(actor=g.musashino).count
    assert not selectors.waiting(actor=g.tokyo).count


def test_progress_is_aggregated_per_member_and_working_group(g):
    juki = BusinessArea.objects.get(code="n01-juki")
    kojin = BusinessArea.objects.get(code="n04-kojin")
    services.progress_set(
        actor=g.hino, group=g.group, area=juki, steps={n: "done" for n in range(1, 21)}
    )
    services.progress_set(actor=g.hino, group=g.group, area=kojin, steps={1: "done", 2: "doing"})
    services.progress_set(actor=g.koganei, group=g.group, area=juki, steps={1: "done", 3: "done"})
    p = selectors.progress(actor=g.tokyo, group=g.group)
    assert [a.code for a in p.areas] == ["n01-juki", "n04-kojin"]  # national areas only
    hino = g.orgs[HINO].pk
    assert p.cell(hino, juki.pk).done == 20 and p.cell(hino, juki.pk).percent == 50
    assert p.cell(hino, kojin.pk).doing == 1
    by_member = {m.organization.code: c for m, c in p.by_member}
    assert by_member[HINO].done == 21 and by_member[HINO].total == 80
    assert by_member[KOGANEI].done == 2 and by_member[TACHIKAWA].done == 0
    by_wg = {wg.number: c for wg, c in p.by_wg}
    assert by_wg[1].done == 22 and by_wg[1].total == 160 and by_wg[2].done == 1
    assert p.overall.done == 23 and p.overall.total == 320
    # The first step not done is the member's current one.
    assert p.current[(g.orgs[KOGANEI].pk, juki.pk)].number == 2
    membership, area, rows = selectors.checklist(
        actor=g.hino, group=g.group, code=KOGANEI, area_code="n01-juki"
    )
    assert [r.status for r in rows[:3]] == ["done", "todo", "done"] and len(rows) == 40
    with pytest.raises(NotFound):
        selectors.checklist(actor=g.hino, group=g.group, code=KOGANEI, area_code="o-test-shuno")
    assert membership.organization.code == KOGANEI and area == juki
    assert MITAKA in by_member
