"""The harmonisation engine against brute force: quorum, agreement, cut-over blockers, and the
timeline layout's geometry."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.engines.harmonisation.consensus import (
    STANCES,
    agreement,
    disagrees,
    quorum,
    quorum_required,
)
from tsunagu.engines.harmonisation.timeline import (
    Lane,
    Outstanding,
    blockers,
    layout,
    window,
    x_of,
)

ORGS = ("a", "b", "c", "d", "e")
stance_or_blank = st.sampled_from(("", *STANCES, "bogus"))
dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2029, 12, 31))


# --------------------------------------------------------------------------- quorum


def brute_required(eligible: int, percent: int) -> int:
    """The smallest k in 1..eligible whose share reaches the percentage (clamped 1..100)."""
    if eligible == 0:
        return 0
    pct = min(100, max(1, percent))
    return next(k for k in range(1, eligible + 1) if k * 100 >= pct * eligible)


@given(st.integers(0, 40), st.integers(-10, 150))
def test_quorum_required_matches_brute_force(eligible, percent):
    assert quorum_required(eligible, percent) == brute_required(eligible, percent)


@given(
    st.lists(st.sampled_from(ORGS), unique=True, max_size=5),
    st.dictionaries(st.sampled_from((*ORGS, "x")), stance_or_blank),
    st.integers(1, 100),
)
def test_quorum_counts_only_eligible_filed_positions(eligible, positions, percent):
    check = quorum(eligible, positions, percent)
    filed = [m for m in eligible if positions.get(m) in STANCES]
    assert check.filed == len(filed)
    assert check.eligible == len(eligible)
    assert set(check.missing) == set(eligible) - set(filed)
    assert check.ok == (len(eligible) > 0 and len(filed) >= brute_required(len(eligible), percent))


def test_quorum_examples():
    assert not quorum(["a", "b", "c"], {"a": "adopt", "b": "keep"}, 100).ok
    assert quorum(["a", "b", "c"], {"a": "adopt", "b": "keep"}, 66).ok
    assert not quorum(["a", "b", "c"], {"a": "adopt", "b": "keep"}, 67).ok  # 2/3 < 67 %
    assert not quorum([], {}, 50).ok  # nobody may decide for an empty group
    # A joining member's (or a stranger's) position does not count towards the quorum.
    assert not quorum(["a", "b"], {"a": "adopt", "x": "adopt"}, 100).ok


@given(st.lists(stance_or_blank, max_size=8))
def test_agreement_matches_brute_force(stances):
    filed = [s for s in stances if s in STANCES]
    expected = "none" if not filed else "unanimous" if len(set(filed)) == 1 else "split"
    assert agreement(stances) == expected
    assert disagrees(stances) == (expected == "split")


# --------------------------------------------------------------------------- blockers

outstanding = st.builds(
    Outstanding,
    id=st.integers(1, 10_000),
    blocking=st.booleans(),
    due=st.one_of(st.none(), dates),
    decided=st.booleans(),
)


@given(st.lists(outstanding, max_size=30), dates, dates)
def test_blockers_match_brute_force(items, cut_over, today):
    def blocks(i: Outstanding) -> bool:
        if not i.blocking or i.decided:
            return False
        if i.due is None:
            return True
        return i.due > cut_over or i.due < today

    assert blockers(items, cut_over=cut_over, today=today) == tuple(
        i.id for i in items if blocks(i)
    )


def test_blocker_examples():
    today, cut_over = dt.date(2026, 11, 22), dt.date(2027, 11, 1)
    items = [
        Outstanding(1, True, dt.date(2027, 6, 1)),  # fine
        Outstanding(2, True, dt.date(2027, 12, 1)),  # after the cut-over
        Outstanding(3, True, dt.date(2026, 11, 1)),  # overdue
        Outstanding(4, True, None),  # no due date
        Outstanding(5, False, dt.date(2028, 1, 1)),  # not blocking
        Outstanding(6, True, dt.date(2026, 1, 1), decided=True),  # only to accept
    ]
    assert blockers(items, cut_over=cut_over, today=today) == (2, 3, 4)


# --------------------------------------------------------------------------- layout

lanes = st.lists(
    st.builds(
        Lane,
        key=st.text("abc", min_size=1, max_size=3),
        label=st.text(max_size=10),
        outstanding=st.integers(0, 20),
        start=st.one_of(st.none(), dates),
        end=st.one_of(st.none(), dates),
        undated=st.integers(0, 3),
        markers=st.lists(dates, max_size=3).map(tuple),
        blocked=st.booleans(),
    ),
    max_size=12,
)


@settings(max_examples=150)
@given(lanes, dates, dates)
def test_layout_keeps_every_mark_on_the_plot(ls, today, cut_over):
    t = layout(ls, today=today, cut_over=cut_over)
    left, right = t.plot_left, t.plot_left + t.plot_width
    assert t.start <= min(today, cut_over)
    assert t.end > max([today, cut_over, *(lane.end for lane in ls if lane.end)])
    assert t.start.day == 1 and t.end.day == 1
    assert left <= t.today_x <= right and left <= t.cut_over_x <= right
    assert len(t.bars) == len(ls)
    for i, (bar, lane) in enumerate(zip(t.bars, ls, strict=True)):
        assert bar.y == t.top + i * t.row_height  # one row per lane, in order
        assert bar.width >= 0
        if lane.outstanding == 0:
            assert bar.width == 0 and bar.tone == "done"
        else:
            assert bar.width >= 3
            assert left <= bar.x <= right and bar.x + bar.width <= right + 3
        for m in bar.markers:
            assert left <= m.x <= right
    xs = [tick.x for tick in t.ticks]
    assert xs == sorted(xs) and all(left <= x <= right for x in xs)
    assert all(tick.date.day == 1 for tick in t.ticks)


@given(dates, dates, dates)
def test_x_is_monotone(a, b, start):
    end = start + dt.timedelta(days=400)
    xa = x_of(a, start=start, end=end, left=10, width=500)
    xb = x_of(b, start=start, end=end, left=10, width=500)
    assert (xa <= xb) if a <= b else (xa >= xb)


def test_tones():
    today, cut_over = dt.date(2026, 11, 22), dt.date(2027, 11, 1)
    t = layout(
        [
            Lane("done", "", 0, None, None),
            Lane("ok", "", 2, dt.date(2026, 1, 1), dt.date(2027, 3, 1)),
            Lane("late", "", 1, None, dt.date(2028, 2, 1)),
            Lane("overdue", "", 1, None, dt.date(2026, 10, 1)),
            Lane("undated", "", 1, None, None, undated=1),
            Lane("accept", "", 1, None, None, undated=0),
            Lane("blocked", "", 1, None, dt.date(2027, 3, 1), blocked=True),
        ],
        today=today,
        cut_over=cut_over,
    )
    assert [b.tone for b in t.bars] == [b.key for b in t.bars]
    # The window runs past the latest due date (2028-02) and is labelled every three months.
    assert window([], today=today, cut_over=cut_over) == (
        dt.date(2026, 11, 1),
        dt.date(2027, 12, 1),
    )
    labels = [tick.label for tick in t.ticks if tick.label]
    assert labels[0] == "2026-11" and len(labels) == len(t.ticks[::3])


def test_months_grid_brute_force():
    today = dt.date(2026, 11, 22)
    for months_ahead in range(1, 60):
        cut_over = dt.date(2026 + (10 + months_ahead) // 12, (10 + months_ahead) % 12 + 1, 1)
        t = layout([], today=today, cut_over=cut_over)
        expected = [
            d
            for d in (
                dt.date(y, m, 1) for y, m in itertools.product(range(2026, 2032), range(1, 13))
            )
            if t.start <= d <= t.end
        ]
        assert [tick.date for tick in t.ticks] == expected
