"""The search page and the API: hits, highlighting, escaping, bad input, filters, pages, and the
other-municipality case for both endpoints."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from tsunagu.core.roles import Role
from tsunagu.core.tests.factories import make_user, org
from tsunagu.search.documents import Visibility
from tsunagu.search.services import search_index_put

from .conftest import doc

MUSASHINO, TACHIKAWA = "132039", "132021"


@pytest.fixture
def corpus(empty_index):
    search_index_put(
        docs=[
            doc("meeting", "m1", "庁舎移転の座談会", "移転した市の経験。サーバー室も移設した。"),
            doc(
                "voice",
                "v1",
                "都のみの要望 庁舎移転",
                "本文",
                org_code=MUSASHINO,
                visibility=Visibility.TOKYO,
            ),
            doc(
                "article",
                "x1",
                "<script>alert(1)</script>移転の記事",
                "<img src=x onerror=alert(2)> 移転の記録",
                age_days=1,
            ),
            doc(
                "project",
                "p1",
                "ネットワーク更改",
                "無線LANの入替",
                facet="network",
                org_code=TACHIKAWA,
            ),
        ]
    )


@pytest.fixture
def musashino(db):
    return make_user(Role.MUNI_STAFF, MUSASHINO)


@pytest.fixture
def tachikawa(db):
    return make_user(Role.MUNI_CIO, TACHIKAWA)


def test_the_page_without_a_query_shows_the_box(client_for, musashino):
    res = client_for(musashino).get("/search/")
    assert res.status_code == 200
    body = res.content.decode()
    assert 'id="q"' in body and 'for="q"' in body
    assert 'data-testid="search-hits"' not in body
    assert 'data-testid="error-summary"' not in body


def test_hits_are_highlighted_and_linked(client_for, musashino, corpus):
    res = client_for(musashino).get("/search/", {"q": "移転"})
    assert res.status_code == 200
    body = res.content.decode()
    assert "<mark>移転</mark>" in body
    assert 'href="/meeting/m1/"' in body
    assert 'data-testid="search-hit"' in body
    assert "都のみの要望" in body  # Musashino's own 都-only voice
    assert res.context["page"].total == 3


def test_script_in_text_renders_inert(client_for, musashino, corpus):
    body = client_for(musashino).get("/search/", {"q": "移転"}).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(2)&gt;" in body


def test_variants_and_widths_find_the_same(client_for, musashino, corpus):
    client = client_for(musashino)
    for q in ("サーバ", "ｻｰﾊﾞｰ", "ﾈｯﾄﾜｰｸ", "無線ｌａｎ"):
        assert client.get("/search/", {"q": q}).context["page"].total == 1, q


def test_an_empty_query_says_so(client_for, musashino, corpus):
    res = client_for(musashino).get("/search/", {"q": "  "})
    assert res.status_code == 422
    body = res.content.decode()
    assert 'data-testid="error-summary"' in body
    assert _("Type a word to search for.") in body
    assert 'aria-invalid="true"' in body


def test_an_over_long_query_is_refused_and_kept_in_the_box(client_for, musashino, corpus):
    q = "庁舎移転" * 51
    res = client_for(musashino).get("/search/", {"q": q})
    assert res.status_code == 422
    body = res.content.decode()
    assert 'data-testid="error-summary"' in body
    assert f'value="{q}"' in body


def test_another_municipality_never_sees_a_tokyo_only_item(client_for, tachikawa, corpus):
    client = client_for(tachikawa)
    res = client.get("/search/", {"q": "都のみ"})
    assert res.status_code == 200
    assert "都のみの要望" not in res.content.decode().split('<main id="main"')[1]
    assert res.context["page"].total == 0
    api = client.get("/api/v1/search/", {"q": "都のみ"})
    assert api.status_code == 200
    assert api.json()["total"] == 0 and api.json()["hits"] == []
    assert "都のみの要望" not in api.content.decode()
    # …nor through a kind count or the organisation filter.
    api = client.get("/api/v1/search/", {"q": "要望", "org": org(MUSASHINO).pk})
    assert api.json()["total"] == 0
    assert all(k["count"] in (0, None) for k in api.json()["kinds"])


def test_kind_and_facet_filters(client_for, musashino, corpus):
    client = client_for(musashino)
    page = client.get("/search/", {"q": "移転", "kind": "meeting"}).context["page"]
    assert [h.object_id for h in page.hits] == ["m1"]
    counts = {k.key: k.count for k in page.kinds}
    assert counts["meeting"] == 1 and counts["article"] == 1 and counts["voice"] == 1
    page = client.get("/search/", {"q": "更改", "facet": "network"}).context["page"]
    assert [h.object_id for h in page.hits] == ["p1"]
    page = client.get("/search/", {"q": "更改", "org": org(MUSASHINO).pk}).context["page"]
    assert page.hits == ()


def test_bad_filter_values_are_ignored_not_fatal(client_for, musashino, corpus):
    res = client_for(musashino).get(
        "/search/", {"q": "移転", "org": "x", "page": "-3", "since": "2026-13-45", "kind": "nope"}
    )
    assert res.status_code == 200
    assert res.context["page"].total == 3
    edges = {"q": "移転", "since": "0001-01-01", "until": "9999-12-31"}
    assert client_for(musashino).get("/search/", edges).context["page"].total == 3


def test_pages_keep_the_search(client_for, musashino, empty_index):
    search_index_put(docs=[doc("article", str(i), f"会議 {i}", age_days=i) for i in range(45)])
    client = client_for(musashino)
    res = client.get("/search/", {"q": "会議", "kind": "article"})
    assert res.context["next_url"] == "?q=%E4%BC%9A%E8%AD%B0&kind=article&page=2"
    third = client.get("/search/", {"q": "会議", "kind": "article", "page": 3}).context["page"]
    assert [h.object_id for h in third.hits] == ["40", "41", "42", "43", "44"]
    assert not third.has_next


def test_nothing_found_offers_other_searches(client_for, musashino, empty_index):
    search_index_put(docs=[doc("meeting", "1", "打ち合わせの記録")])
    res = client_for(musashino).get("/search/", {"q": "打合せ 予算", "kind": "meeting"})
    body = res.content.decode()
    assert 'data-testid="search-empty"' in body
    assert "打ち合わせ" in res.context["page"].suggestions[0]
    assert res.context["unfiltered_url"]


def test_the_header_has_a_labelled_search_box(client_for, musashino):
    body = client_for(musashino).get("/search/").content.decode()
    assert 'role="search"' in body
    assert 'for="site-search-q"' in body and 'id="site-search-q"' in body
    assert 'action="/search/"' in body


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/search/", {"q": "移転"}).status_code == 302
    res = client.get("/api/v1/search/", {"q": "移転"})
    assert res.status_code == 401


# --------------------------------------------------------------------------- API


def test_the_api_returns_the_page(client_for, musashino, corpus):
    res = client_for(musashino).get("/api/v1/search/", {"q": "移転", "per_page": 2})
    assert res.status_code == 200
    data = res.json()
    assert data["total"] == 3 and not data["total_capped"] and data["has_next"]
    hit = data["hits"][0]
    assert {"kind", "kind_label", "url", "title", "title_segments", "snippet", "tier"} <= set(hit)
    assert "".join(s["text"] for s in hit["title_segments"]) == hit["title"]
    assert any(s["match"] for s in hit["title_segments"])
    assert {k["key"] for k in data["kinds"]} >= {"meeting", "voice", "article"}


def test_the_api_filters_by_several_kinds(client_for, musashino, corpus):
    data = (
        client_for(musashino)
        .get("/api/v1/search/?q=%E7%A7%BB%E8%BB%A2&kind=meeting&kind=article")
        .json()
    )
    assert {h["kind"] for h in data["hits"]} == {"meeting", "article"}


@pytest.mark.parametrize(
    ("q", "code"), [("", "query_empty"), ("　", "query_empty"), ("あ" * 201, "query_too_long")]
)
def test_the_api_refuses_bad_queries_with_a_code(client_for, musashino, corpus, q, code):
    res = client_for(musashino).get("/api/v1/search/", {"q": q})
    assert res.status_code == 422
    assert res.json()["code"] == code
    assert res.json()["message"]


def test_the_api_schema_names_are_prefixed():
    from tsunagu.config.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    ours = [n for n in schemas if "Search" in n]
    assert {"SearchPageOut", "SearchHitOut", "SearchKindCountOut"} <= set(ours)


def test_dates_far_in_the_future_and_nul_filters_are_not_fatal(client_for, musashino, corpus):
    """Rank keys past 64 bits (SQLite) and NUL (PostgreSQL) must not reach the database."""
    client = client_for(musashino)
    late = client.get("/search/", {"q": "移転", "until": "9999-12-30"})
    assert late.status_code == 200 and late.context["page"].total == 3
    future = client.get("/search/", {"q": "移転", "since": "9999-12-31"})
    assert future.status_code == 200 and future.context["page"].total == 0
    api = client.get("/api/v1/search/", {"q": "移転", "until": "9999-12-30"})
    assert api.status_code == 200 and api.json()["total"] == 3
    assert client.get("/search/", {"q": "移転", "facet": "\x00"}).status_code == 200
    assert client.get("/api/v1/search/", {"q": "移転", "facet": "\x00"}).status_code == 200
