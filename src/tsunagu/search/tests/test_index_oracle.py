"""The index against brute force: on random corpora, every backend returns exactly the documents
whose normalised title or body holds every normalised term, that the actor may see, ranked by
tier then recency. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (CI runs both)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user, org
from tsunagu.engines.search.grams import index_grams
from tsunagu.engines.search.normalize import normalize_text
from tsunagu.engines.search.query import QueryError, matches, parse_query, rank_tier
from tsunagu.search import backends, registry
from tsunagu.search.documents import IndexDoc, Visibility
from tsunagu.search.models import SearchDocument
from tsunagu.search.selectors import search_kinds, search_match_keys, search_query
from tsunagu.search.services import search_index_put

from .conftest import clear_index

MUSASHINO, TACHIKAWA, KOGANEI, TOKYO = "132039", "132021", "132101", "130001"
# A small alphabet: substrings recur, half-width and long-vowel variants meet their full forms.
ALPHABET = list("会議移転庁舎サーバｻｰﾊﾞ無線LANＬａa ・ヶケ")
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

text = st.text(alphabet=st.sampled_from(ALPHABET), max_size=14)
query_text = st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=4)


@st.composite
def corpora(draw):
    n = draw(st.integers(1, 18))
    now = timezone.now()
    docs = []
    for i in range(n):
        vis = draw(st.sampled_from(list(Visibility)))
        docs.append(
            IndexDoc(
                kind=draw(st.sampled_from(sorted(registry.KINDS))),
                object_id=str(i),
                title=draw(text),
                body=draw(text),
                url=f"/x/{i}/",
                # Ties in updated_at on purpose: rank keys must still be unique and stable.
                updated_at=now - dt.timedelta(seconds=draw(st.integers(0, 5))),
                organization_id=org(draw(st.sampled_from([MUSASHINO, TACHIKAWA, TOKYO]))).pk
                if draw(st.booleans())
                else None,
                visibility=vis,
                audience_ids=tuple(
                    org(c).pk for c in draw(st.lists(st.sampled_from([MUSASHINO, KOGANEI])))
                ),
                facet=draw(st.sampled_from(["", "a", "b"])),
            )
        )
    return docs


@st.composite
def queries(draw, docs):
    """1-, 2-, 3+-character queries, words typed out of the corpus, and several words."""
    pieces = []
    for _ in range(draw(st.integers(1, 2))):
        if docs and draw(st.booleans()):
            d = draw(st.sampled_from(docs))
            source = d.title + d.body
            if source:
                i = draw(st.integers(0, len(source) - 1))
                j = draw(st.integers(i + 1, min(len(source), i + 4)))
                pieces.append(source[i:j].replace('"', ""))
                continue
        pieces.append(draw(query_text))
    return " ".join(p.strip() or "会" for p in pieces)


def visible(d: IndexDoc, who: str, org_id: int | None) -> bool:
    if who == "tokyo":
        return True
    if d.visibility == Visibility.ALL:
        return True
    if who == "expert":
        return False
    return d.organization_id == org_id or (
        d.visibility == Visibility.ORGS and org_id in d.audience_ids
    )


@pytest.fixture
def actors(db):
    return {
        "muni": make_user(Role.MUNI_STAFF, MUSASHINO),
        "koganei": make_user(Role.MUNI_CIO, KOGANEI),
        "expert": make_user(Role.EXPERT, TOKYO),
        "tokyo": make_user(Role.TOKYO_ADMIN, TOKYO),
    }


def expected(docs, q, who, user):
    terms = parse_query(q).terms
    kinds = {k.key for k in search_kinds(user)}
    out = []
    for d in docs:
        t, b = normalize_text(d.title), normalize_text(d.body)
        if d.kind in kinds and visible(d, who, user.organization_id) and matches(t, b, terms):
            out.append((d, rank_tier(t, terms)))
    return out


def pg_paths(monkeypatch, data) -> None:
    """On PostgreSQL, take each of the three ways to the answer: the scan of the newest rows
    (complete, or cut short and completed through the GIN index) and the GIN index alone."""
    mode = data.draw(st.sampled_from(["scan", "short-scan", "gin"]))
    monkeypatch.setattr(backends, "PROBE_ROWS", 2 if mode == "short-scan" else 10_000)
    monkeypatch.setattr(
        backends.PostgresBackend, "_looks_broad", staticmethod(lambda g, n: mode != "gin")
    )


@SETTINGS
@given(data=st.data())
def test_search_equals_the_brute_force_substring_scan(actors, monkeypatch, data):
    clear_index()
    pg_paths(monkeypatch, data)
    docs = data.draw(corpora())
    search_index_put(docs=docs)
    rows = {r.object_id: r for r in SearchDocument.objects.all()}
    assert len({r.rank_key for r in rows.values()}) == len(docs)
    for _ in range(3):
        q = data.draw(queries(docs))
        try:
            parse_query(q)
        except QueryError:
            continue
        for who, user in actors.items():
            want = expected(docs, q, "tokyo" if who == "tokyo" else who, user)
            got = search_match_keys(actor=user, q=q)
            assert sorted(got) == sorted(rows[d.object_id].rank_key for d, _t in want), (q, who)
            # The first page: tier first, newest first within a tier; the total and per-kind
            # counts are exact (far below the cap).
            ranked = sorted(want, key=lambda p: (-p[1], -rows[p[0].object_id].rank_key))
            page = search_query(actor=user, q=q, per_page=5)
            assert [h.object_id for h in page.hits] == [d.object_id for d, _t in ranked[:5]]
            assert [h.tier for h in page.hits] == [t for _d, t in ranked[:5]]
            assert page.total == len(want) and not page.total_capped
            assert page.has_next == (len(want) > 5)
            for kc in page.kinds:
                assert kc.count == sum(1 for d, _t in want if d.kind == kc.key)
            if len(want) > 5:
                second = search_query(actor=user, q=q, per_page=5, page=2)
                assert [h.object_id for h in second.hits] == [d.object_id for d, _t in ranked[5:10]]


@SETTINGS
@given(data=st.data())
def test_filters_narrow_exactly(actors, monkeypatch, data):
    clear_index()
    pg_paths(monkeypatch, data)
    docs = data.draw(corpora())
    search_index_put(docs=docs)
    user = actors["muni"]
    q = data.draw(queries(docs))
    try:
        parse_query(q)
    except QueryError:
        return
    base = expected(docs, q, "muni", user)
    kind = data.draw(st.sampled_from(sorted(registry.KINDS)))
    facet = data.draw(st.sampled_from(["a", "b"]))
    owner = org(data.draw(st.sampled_from([MUSASHINO, TACHIKAWA, TOKYO]))).pk
    page = search_query(actor=user, q=q, kinds=[kind], per_page=50)
    assert {h.object_id for h in page.hits} == {d.object_id for d, _t in base if d.kind == kind}
    assert page.total == sum(1 for d, _t in base if d.kind == kind)
    page = search_query(actor=user, q=q, facet=facet, per_page=50)
    assert {h.object_id for h in page.hits} == {d.object_id for d, _t in base if d.facet == facet}
    page = search_query(actor=user, q=q, organization=owner, per_page=50)
    assert {h.object_id for h in page.hits} == {
        d.object_id for d, _t in base if d.organization_id == owner
    }


def test_dates_filter_on_updated_at(actors, empty_index):
    now = timezone.now()
    old = IndexDoc("meeting", "old", "移転", "", "/m/old/", now - dt.timedelta(days=40))
    new = IndexDoc("meeting", "new", "移転", "", "/m/new/", now - dt.timedelta(days=1))
    search_index_put(docs=[old, new])
    user = actors["muni"]
    since = timezone.localdate() - dt.timedelta(days=10)
    assert [h.object_id for h in search_query(actor=user, q="移転", since=since).hits] == ["new"]
    assert [h.object_id for h in search_query(actor=user, q="移転", until=since).hits] == ["old"]


def test_big_result_sets_are_capped_but_reachable(actors, empty_index, settings):
    from tsunagu.search import selectors

    now = timezone.now()
    docs = [
        IndexDoc("article", str(i), f"会議 {i}", "", f"/a/{i}/", now - dt.timedelta(minutes=i))
        for i in range(30)
    ]
    search_index_put(docs=docs)
    user = actors["muni"]
    cap = selectors.COUNT_CAP
    selectors.COUNT_CAP = 12
    try:
        page = search_query(actor=user, q="会", per_page=5)
        assert page.total_capped and page.total == 12
        assert all(k.count is None for k in page.kinds)
        assert [h.object_id for h in page.hits] == ["0", "1", "2", "3", "4"]
        last = search_query(actor=user, q="会", per_page=5, page=3)
        assert [h.object_id for h in last.hits] == ["10", "11"] and not last.has_next
        beyond = search_query(actor=user, q="会", per_page=5, page=4)
        assert beyond.hits == () and not beyond.has_next
        # The kind filter's own count is capped too, not guessed from the others.
        assert search_query(actor=user, q="会", kinds=["article"]).total_capped
    finally:
        selectors.COUNT_CAP = cap
    assert len(search_match_keys(actor=user, q="会")) == 30


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=text, body=st.text(max_size=30))
def test_the_sql_gram_function_equals_the_python_one(db, title, body):
    from django.db import connection as conn

    t, b = normalize_text(title), normalize_text(body)
    with conn.cursor() as cur:
        cur.execute("SELECT search_grams(%s, %s)", [t, b])
        (grams,) = cur.fetchone()
    assert set(grams) == index_grams(t, b)
