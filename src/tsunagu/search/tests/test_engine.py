"""The search engine (pure Python): normalisation, queries, grams, highlighting — property tests
against brute force."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tsunagu.engines.search.grams import (
    fts_bigrams,
    fts_phrase,
    fts_unigrams,
    index_grams,
    term_grams,
    term_is_exact,
)
from tsunagu.engines.search.highlight import highlight, match_spans, snippet
from tsunagu.engines.search.normalize import (
    is_unit_start,
    normalize,
    normalize_text,
    safe_prefix_end,
)
from tsunagu.engines.search.query import (
    MAX_QUERY_CHARS,
    QueryError,
    matches,
    parse_query,
    rank_tier,
)

# Characters that exercise every fold: kana with and without voicing marks in both widths,
# combining marks, the long-vowel mark, middle dots, full-width ASCII, cases, dashes, spaces,
# small kana, variation selectors, invisible characters, kanji, and a lone surrogate.
TRICKY = list(
    "会議移転庁舎網線更改サーバｻｰﾊﾞﾟﾞかがか\u3099ｶﾞハパﾊﾟ・･ー"
    "ＡａAa1１-‐−ー～〜 \u3000\t\nァアィイヶケ髙高\u200b\u00ad\ufe00\U000e0100\u0301eé㈱㍿"
    "<>&\"'\ud800"
)
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=40) | st.text(max_size=40)


def unit_aligned(text: str, data) -> tuple[int, int]:
    bounds = [i for i in range(len(text) + 1) if is_unit_start(text, i)]
    i = data.draw(st.sampled_from(bounds))
    j = data.draw(st.sampled_from([b for b in bounds if b >= i]))
    return i, j


# --------------------------------------------------------------------------- normalisation


@settings(deadline=None, max_examples=400)
@given(text=texts, data=st.data())
def test_a_piece_of_a_text_normalises_to_a_piece_of_its_normalisation(text, data):
    i, j = unit_aligned(text, data)
    assert normalize_text(text[i:j]) in normalize_text(text)


@settings(deadline=None, max_examples=300)
@given(text=texts)
def test_the_offset_map_agrees_with_the_fast_path_and_points_into_the_original(text):
    n = normalize(text)
    assert n.text == normalize_text(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    for k in range(len(n.text)):
        assert 0 <= n.starts[k] < n.ends[k] <= len(text)
        # The normalised character comes from the unit its span covers.
        if k:
            assert n.starts[k] >= n.starts[k - 1]


@settings(deadline=None, max_examples=200)
@given(text=texts, limit=st.integers(0, 45))
def test_a_safe_prefix_normalises_to_a_prefix(text, limit):
    cut = safe_prefix_end(text, limit)
    assert cut <= max(limit, 0) or cut == 0
    assert normalize_text(text).startswith(normalize_text(text[:cut]))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("サーバ", "サーバー"),
        ("ｻｰﾊﾞｰ", "サーバー"),
        ("コンピュータ", "コンピューター"),
        ("インタフェース", "インターフェース"),
        ("ＬＡＮ", "lan"),
        ("ＬＡＮ", "LAN"),
        ("ウィルス", "ウイルス"),
        ("霞ヶ関", "霞ケ関"),
        ("が", "か\u3099"),
        ("ガ", "ｶﾞ"),
        ("高橋", "髙橋"),
        ("Wi-Fi", "Wi‐Fi"),
        ("無線　LAN", "無線 lan"),
        ("ウェブ・サイト", "ウェブサイト"),
    ],
)
def test_variants_normalise_alike(a, b):
    assert normalize_text(a) == normalize_text(b)


@pytest.mark.parametrize(
    "word", ["サーバ", "コンピュータ", "プリンタ", "ユーザ", "インタフェース", "ｻｰﾊﾞ", "ＬＡＮ"]
)
def test_our_folds_join_what_sudachipy_normalises(word):
    """SudachiPy's normalised form of the word searches like the word itself."""
    from tsunagu.engines.search.variants import default_variants

    respelled = default_variants().normalized_form(word)
    assert normalize_text(respelled) == normalize_text(word)


def test_sudachipy_proposes_word_variants_the_folds_cannot_join():
    from tsunagu.engines.search.variants import default_variants

    v = default_variants()
    assert v.suggest("打合せ") == "打ち合わせ"
    assert v.suggest("サーバ") is None  # already searched alike
    assert v.suggest("話した") is None  # a verb's lemma would not occur in the text
    assert v.suggest("") is None


def test_distinct_words_stay_distinct():
    assert normalize_text("会議") != normalize_text("会義")
    assert normalize_text("ガ") != normalize_text("カ")
    assert "カ" not in normalize_text("ガ")  # a voiced kana is one character, not カ + mark


def test_lone_surrogates_and_nul_become_storable():
    out = normalize_text("a\ud800b\x00c")
    out.encode("utf-8")
    assert "\x00" not in out


# --------------------------------------------------------------------------- queries


def test_query_words_and_phrases():
    q = parse_query('会議  "無線 ＬＡＮ"　サーバー 会議 “庁舎 移転”')
    assert q.terms == ("会議", "無線 lan", "サバ", "庁舎 移転")


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", '""', "ー・ー", '"  "'])
def test_empty_queries_are_refused(raw):
    with pytest.raises(QueryError) as exc:
        parse_query(raw)
    assert exc.value.code == "query_empty"


def test_over_long_queries_are_refused():
    parse_query("あ" * MAX_QUERY_CHARS)
    with pytest.raises(QueryError) as exc:
        parse_query("あ" * (MAX_QUERY_CHARS + 1))
    assert exc.value.code == "query_too_long"


@settings(deadline=None, max_examples=300)
@given(raw=st.text(max_size=60))
def test_any_typed_text_parses_or_is_refused_cleanly(raw):
    try:
        q = parse_query(raw)
    except QueryError as exc:
        code = exc.code
        assert code in ("query_empty", "query_too_long")
        return
    assert q.terms
    assert all(t and t == t.strip(" ") for t in q.terms)
    assert len(set(q.terms)) == len(q.terms)


@settings(deadline=None, max_examples=300)
@given(text=texts, data=st.data())
def test_a_substring_query_always_matches_its_text(text, data):
    i, j = unit_aligned(text, data)
    try:
        q = parse_query(text[i:j])
    except QueryError:
        return
    # A word typed out of the text is found in it (as title or as body).
    assert matches(normalize_text(text), "", q.terms)
    assert matches("", normalize_text(text), q.terms)
    assert rank_tier(normalize_text(text), q.terms) == 2


# --------------------------------------------------------------------------- grams


@settings(deadline=None, max_examples=300)
@given(
    title=texts, body=texts, term=st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=5)
)
def test_grams_are_necessary_and_exact_up_to_two_characters(title, body, term):
    t, b, q = normalize_text(title), normalize_text(body), normalize_text(term).strip(" ")
    assume(q)
    grams = set(index_grams(t, b))
    occurs = q in t or q in b
    has = set(term_grams(q)) <= grams
    if occurs:
        assert has
    if term_is_exact(q):
        assert has == occurs


@settings(deadline=None, max_examples=200)
@given(text=texts, term=st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=5))
def test_fts_phrases_are_exact(text, term):
    """The FTS5 phrase of a term occurs in the token stream exactly when the term occurs."""
    t, q = normalize_text(text), normalize_text(term).strip(" ")
    assume(q)
    phrase = fts_phrase(q).strip('"').split()
    if len(q) == 1:
        assert (phrase[0] in fts_unigrams(t).split()) == (q in t)
    else:
        tokens = fts_bigrams(t).split()
        k = len(phrase)
        found = any(tokens[i : i + k] == phrase for i in range(len(tokens) - k + 1))
        assert found == (q in t)


# --------------------------------------------------------------------------- highlighting


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=texts,
    terms=st.lists(st.text(alphabet=st.sampled_from(TRICKY), min_size=1, max_size=4), max_size=3),
)
def test_highlight_segments_rebuild_the_original_and_cover_every_occurrence(text, terms):
    norm_terms = [normalize_text(t).strip(" ") for t in terms]
    segments = highlight(text, None, norm_terms)
    assert "".join(s for s, _m in segments) == text
    assert all(s for s, _m in segments)
    marked = "".join(s for s, m in segments if m)
    for t in norm_terms:
        if t and t in normalize_text(text):
            assert t in normalize_text(marked) or any(
                t in normalize_text(s) for s, m in segments if m
            )
    # Merged spans never overlap and are in order.
    spans = match_spans(normalize(text), norm_terms)
    assert all(a < b for a, b in spans)
    assert all(spans[k][1] < spans[k + 1][0] for k in range(len(spans) - 1))


def test_highlight_marks_the_original_characters():
    assert highlight("ｻｰﾊﾞｰ室の移転", None, ["サバ"]) == [("ｻｰﾊﾞｰ", True), ("室の移転", False)]
    assert highlight("<script>alert(1)</script>", None, ["script"]) == [
        ("<", False),
        ("script", True),
        (">alert(1)</", False),
        ("script", True),
        (">", False),
    ]


@settings(deadline=None, max_examples=150)
@given(text=st.text(alphabet=st.sampled_from(TRICKY), max_size=600), data=st.data())
def test_the_snippet_is_a_piece_of_the_text_around_the_first_hit(text, data):
    i, j = unit_aligned(text, data)
    term = normalize_text(text[i:j]).strip(" ")
    snip = snippet(text, [term] if term else [], width=50, lead=10)
    assert snip.text in text
    assert snip.before == (not text.startswith(snip.text))
    if term:
        assert any(m for _s, m in snip.segments) or len(normalize_text(snip.text)) < len(term) + 1


def test_snippet_of_a_long_body_starts_near_the_hit():
    body = "あ" * 5000 + "庁舎移転" + "い" * 5000
    snip = snippet(body, ["庁舎移転"], width=60, lead=20)
    assert snip.before and snip.after
    assert ("庁舎移転", True) in snip.segments
    assert snippet("本文", ["無い"]).segments == (("本文", False),)
