"""The peer-similarity engine against a brute-force oracle.

The oracle re-states each part of the score from the definition (independently of the engine),
and the ranking is checked against the one permutation, among all permutations of a small
candidate set, that is ordered by the score (highest first) and then by project id.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.engines.peers import (
    DONE_STAGES,
    STAGES,
    ProjectFacts,
    Weights,
    find_peers,
    months_between,
    rank,
    score,
)

MODELS = ("", "unknown", "alpha", "alpha_prime", "beta", "beta_prime", "custom")
TOPICS = ("network_renewal", "office_relocation")
EPS = 1e-9


# --------------------------------------------------------------------------- the oracle


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def oracle_parts(me: ProjectFacts, peer: ProjectFacts, w: Weights) -> tuple[float, float, float]:
    # size: smaller over larger; neutral when unknown
    a, b = me.scale or 0, peer.scale or 0
    size = min(a, b) / max(a, b) if a and b else 0.5
    # timing: half-life decay over the months between the reference months
    ref_me = me.end if me.end is not None else me.start
    ref_peer = peer.end if peer.end is not None else peer.start
    if ref_me is None or ref_peer is None:
        timing = 0.5
    else:
        timing = 2.0 ** (-abs(month_index(ref_me) - month_index(ref_peer)) / w.half_life_months)
    # model: the peer ended where I am going (1), or started where I start (0.5)
    unknown = {"", "unknown"}
    mine_target = me.model_after if me.model_after else me.model
    peer_target = peer.model_after if peer.model_after else peer.model
    if mine_target not in unknown and mine_target == peer_target:
        model = 1.0
    elif me.model not in unknown and me.model == peer.model:
        model = 0.5
    else:
        model = 0.0
    return size, timing, model


def oracle_score(me: ProjectFacts, peer: ProjectFacts, w: Weights) -> float:
    size, timing, model = oracle_parts(me, peer, w)
    total_w = w.size + w.timing + w.model
    return (w.size * size + w.timing * timing + w.model * model) / total_w


def brute_force_ranking(matches) -> list[int]:
    """The unique permutation ordered by (score desc, id asc), found by enumeration."""
    found = []
    for perm in itertools.permutations(matches):
        if all(
            a.score > b.score or (a.score == b.score and a.project_id < b.project_id)
            for a, b in itertools.pairwise(perm)
        ):
            found.append([m.project_id for m in perm])
    assert len(found) == 1
    return found[0]


# --------------------------------------------------------------------------- strategies

months = st.builds(lambda y, m: dt.date(y, m, 1), st.integers(2012, 2032), st.integers(1, 12))
optional_month = st.none() | months
scales = st.none() | st.integers(1, 200_000)


@st.composite
def projects(draw, *, pid=None, org=None, topic=None, stage=None):
    start = draw(optional_month)
    end = draw(optional_month)
    if start and end and end < start:
        start, end = end, start
    model = draw(st.sampled_from(MODELS))
    after = draw(st.sampled_from(("", *MODELS[2:])))
    return ProjectFacts(
        id=pid if pid is not None else draw(st.integers(1, 10_000)),
        org_id=org if org is not None else draw(st.integers(1, 6)),
        topic=topic or draw(st.sampled_from(TOPICS)),
        stage=stage or draw(st.sampled_from(STAGES)),
        start=start,
        end=end,
        scale=draw(scales),
        model=model,
        model_after=after,
        welcomes_contact=draw(st.booleans()),
    )


weights = st.builds(
    Weights,
    size=st.floats(0.0, 1.0),
    timing=st.floats(0.0, 1.0),
    model=st.floats(0.05, 1.0),
    half_life_months=st.floats(1.0, 120.0),
)


@st.composite
def peer_sets(draw, max_size=6):
    me = draw(projects(pid=0, org=0))
    n = draw(st.integers(0, max_size))
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    peers = [draw(projects(pid=i)) for i in ids]
    return me, peers


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(me=projects(pid=0, org=0), peer=projects(pid=1), w=weights)
def test_every_part_and_the_score_match_the_oracle(me, peer, w):
    m = score(me, peer, w)
    size, timing, model = oracle_parts(me, peer, w)
    assert m.size == pytest.approx(size, abs=EPS)
    assert m.timing == pytest.approx(timing, abs=EPS)
    assert m.model == pytest.approx(model, abs=EPS)
    assert m.score == pytest.approx(oracle_score(me, peer, w), abs=EPS)
    for part in (m.size, m.timing, m.model, m.score):
        assert 0.0 <= part <= 1.0 + EPS
    assert (m.size_ratio is None) == (not (me.scale and peer.scale))
    assert m.project_id == peer.id and m.org_id == peer.org_id


@settings(max_examples=200, deadline=None)
@given(data=peer_sets(), w=weights)
def test_ranking_is_the_one_total_order_consistent_with_the_score(data, w):
    me, peers = data
    ranked = rank(me, peers, w)
    assert sorted(m.project_id for m in ranked) == sorted(p.id for p in peers)
    assert [m.project_id for m in ranked] == brute_force_ranking(ranked)
    # consistent with the oracle's score: never above a peer that scores clearly higher
    by_id = {p.id: oracle_score(me, p, w) for p in peers}
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            assert by_id[a.project_id] >= by_id[b.project_id] - 1e-6


@settings(max_examples=200, deadline=None)
@given(data=peer_sets(max_size=8), w=weights, new_id=st.integers(501, 900))
def test_a_peer_identical_to_me_ranks_first(data, w, new_id):
    me, peers = data
    twin = ProjectFacts(
        id=new_id,
        org_id=99,
        topic=me.topic,
        stage="live",
        start=me.start,
        end=me.end,
        scale=me.scale,
        model=me.model,
        model_after=me.model_after,
    )
    ranked = rank(me, [*peers, twin], w)
    best = ranked[0].score
    twin_match = next(m for m in ranked if m.project_id == new_id)
    assert twin_match.score == pytest.approx(best, abs=EPS)
    assert all(m.score <= twin_match.score + EPS for m in ranked)
    pos = [m.project_id for m in ranked].index(new_id)
    assert all(m.score >= twin_match.score - EPS for m in ranked[:pos])
    if me.scale and (me.end or me.start) and me.target_model not in ("", "unknown"):
        assert twin_match.score == pytest.approx(1.0)


def _position(me, peers, w, pid):
    return [m.project_id for m in rank(me, peers, w)].index(pid)


@settings(max_examples=200, deadline=None)
@given(
    data=peer_sets(),
    w=weights,
    mine=st.integers(1, 100_000),
    a=st.integers(1, 100_000),
    b=st.integers(1, 100_000),
)
def test_monotone_in_size(data, w, mine, a, b):
    me, peers = data
    me = ProjectFacts(**{**me.__dict__, "scale": mine})
    # b is at least as close to my size as a (ratio of smaller to larger)
    if min(a, mine) / max(a, mine) > min(b, mine) / max(b, mine):
        a, b = b, a
    base = ProjectFacts(id=999, org_id=98, topic=me.topic, stage="live", scale=a)
    closer = ProjectFacts(**{**base.__dict__, "scale": b})
    assert score(me, closer, w).score >= score(me, base, w).score - EPS
    assert _position(me, [*peers, closer], w, 999) <= _position(me, [*peers, base], w, 999)


@settings(max_examples=200, deadline=None)
@given(data=peer_sets(), w=weights, mine=months, a=months, b=months)
def test_monotone_in_timing(data, w, mine, a, b):
    me, peers = data
    me = ProjectFacts(**{**me.__dict__, "start": mine, "end": None})
    if abs(months_between(mine, a)) < abs(months_between(mine, b)):
        a, b = b, a  # b is at least as close in time as a
    base = ProjectFacts(id=999, org_id=98, topic=me.topic, stage="live", start=a)
    closer = ProjectFacts(**{**base.__dict__, "start": b})
    assert score(me, closer, w).score >= score(me, base, w).score - EPS
    assert _position(me, [*peers, closer], w, 999) <= _position(me, [*peers, base], w, 999)


MODEL_RANK = {"target": 2, "same_start": 1, "none": 0, "unknown": 0}


@settings(max_examples=200, deadline=None)
@given(
    data=peer_sets(),
    w=weights,
    pa=st.tuples(st.sampled_from(MODELS), st.sampled_from(("", *MODELS[2:]))),
    pb=st.tuples(st.sampled_from(MODELS), st.sampled_from(("", *MODELS[2:]))),
)
def test_monotone_in_network_model(data, w, pa, pb):
    me, peers = data
    base = ProjectFacts(
        id=999, org_id=98, topic=me.topic, stage="live", model=pa[0], model_after=pa[1]
    )
    other = ProjectFacts(**{**base.__dict__, "model": pb[0], "model_after": pb[1]})
    ma, mb = score(me, base, w), score(me, other, w)
    if MODEL_RANK[mb.model_reason] >= MODEL_RANK[ma.model_reason]:
        better, worse = other, base
    else:
        better, worse = base, other
    assert score(me, better, w).score >= score(me, worse, w).score - EPS
    assert _position(me, [*peers, better], w, 999) <= _position(me, [*peers, worse], w, 999)


@settings(max_examples=200, deadline=None)
@given(data=peer_sets(max_size=8), limit=st.none() | st.integers(0, 4))
def test_find_peers_keeps_the_topic_the_stages_and_other_organisations(data, limit):
    me, peers = data
    result = find_peers(me, peers, limit=limit)
    by_id = {p.id: p for p in peers}
    expect_done = [
        p.id
        for p in peers
        if p.topic == me.topic and p.org_id != me.org_id and p.stage in DONE_STAGES
    ]
    expect_same = [
        p.id for p in peers if p.topic == me.topic and p.org_id != me.org_id and p.stage == me.stage
    ]
    full = find_peers(me, peers)
    assert sorted(m.project_id for m in full.done) == sorted(expect_done)
    assert sorted(m.project_id for m in full.same_stage) == sorted(expect_same)
    assert [m.project_id for m in full.done] == [
        m.project_id for m in rank(me, [by_id[i] for i in expect_done])
    ]
    if limit is not None:
        assert result.done == full.done[:limit]
        assert result.same_stage == full.same_stage[:limit]


def test_examples_read_as_the_page_explains_them():
    me = ProjectFacts(
        id=1,
        org_id=1,
        topic="network_renewal",
        stage="planned",
        start=dt.date(2027, 4, 1),
        scale=1000,
        model="alpha",
        model_after="beta_prime",
    )
    twin_size_moved = ProjectFacts(
        id=2,
        org_id=2,
        topic="network_renewal",
        stage="live",
        start=dt.date(2025, 4, 1),
        scale=2000,
        model="alpha",
        model_after="beta_prime",
    )
    m = score(me, twin_size_moved)
    assert m.size_ratio == 0.5 and m.size == 0.5
    assert m.months_apart == 24 and m.timing == pytest.approx(0.5)
    assert m.model == 1.0 and m.model_reason == "target"
    assert m.score == pytest.approx((0.3 * 0.5 + 0.3 * 0.5 + 0.4 * 1.0) / 1.0)
    same_start = ProjectFacts(id=3, org_id=3, topic="network_renewal", stage="live", model="alpha")
    assert score(me, same_start).model_reason == "same_start"
    unknown = ProjectFacts(id=4, org_id=4, topic="network_renewal", stage="live")
    u = score(me, unknown)
    assert (u.size, u.timing, u.model, u.model_reason) == (0.5, 0.5, 0.0, "unknown")


@pytest.mark.parametrize(
    "kw",
    [{"size": -1}, {"size": 0, "timing": 0, "model": 0}, {"half_life_months": 0}],
)
def test_weights_are_checked(kw):
    with pytest.raises(ValueError, match=r"weight|half-life"):
        Weights(**kw)
