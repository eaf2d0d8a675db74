"""Free-text skill suggestion and similar past requests, on real Japanese requests."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.engines.matching.suggest import (
    Analyzer,
    Index,
    PastRequest,
    SkillSuggestion,
    similar_requests,
    suggest_from_similar,
    suggest_skills,
)
from tsunagu.engines.matching.taxonomy import load_taxonomy, taxonomy_from_dict


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def _ids(suggestions):
    return [s.skill for s in suggestions]


# ------------------------------------------------------------------------------ analyzer


def test_variants_normalise_equal(analyzer):
    assert analyzer.normalise("サーバの移行") == analyzer.normalise("サーバー移行")
    assert analyzer.normalise("サーバの移行") == ["サーバー", "移行"]
    assert analyzer.normalise("ＡＩ") == analyzer.normalise("AI") == ["ai"]
    assert analyzer.normalise("ｸﾗｳﾄﾞ") == ["クラウド"]


def test_normalise_keeps_content_words_and_sub_words(analyzer):
    terms = analyzer.normalise("庁内のWi-Fiとネットワーク更新の仕様書を作りたい")
    assert terms == ["庁内", "wi-fi", "ネットワーク", "更新", "仕様書", "仕様", "書", "作る"]
    # particles, auxiliaries, light verbs and punctuation are dropped
    assert analyzer.normalise("これをしたいです。") == []


@pytest.mark.parametrize("text", ["", " ", "\u3000\n\t", "。、！？", "😀🎉", "\x00"])
def test_empty_or_symbol_only_text(analyzer, taxonomy, text):
    assert analyzer.normalise(text) == []
    assert suggest_skills(text, taxonomy, analyzer=analyzer) == []


def test_long_text_is_capped_not_refused():
    analyzer = Analyzer(max_chars=5_000)
    text = "ネットワーク更新の仕様書。" * 2_000  # 26,000 chars, far over Sudachi's input limit
    terms = analyzer.normalise(text)
    assert terms[:4] == ["ネットワーク", "更新", "仕様書", "仕様"]
    assert 0 < terms.count("ネットワーク") <= 5_000 // 13 + 1


def test_the_tokenizer_is_shared_safely_between_threads(analyzer):
    errors: list[BaseException] = []
    expected = analyzer.normalise("書かない窓口を進めたい")

    def work():
        try:
            for _ in range(50):
                assert analyzer.normalise("書かない窓口を進めたい") == expected
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# ------------------------------------------------------------------------------ skills


def test_paper_counters_suggest_bpr_first(analyzer, taxonomy):
    text = "窓口の手続きが紙ばかりで職員の負担が大きい。書かない窓口を進めたい"
    result = suggest_skills(text, taxonomy, analyzer=analyzer)
    assert result[0].skill == "bpr"
    assert "書かない窓口" in result[0].matched
    assert result[0].score > 0


def test_wifi_specification_suggests_network_and_procurement(analyzer, taxonomy):
    result = suggest_skills(
        "庁内のWi-Fiとネットワーク更新の仕様書を作りたい", taxonomy, analyzer=analyzer
    )
    assert _ids(result)[:2] == ["network", "procurement"]
    assert {"Wi-Fi", "ネットワーク更新"} <= set(result[0].matched)
    assert result[1].matched == ("仕様書",)


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("ＡＩを使って業務を楽にしたい", "ai"),
        ("生成AIで議事録を自動作成したい", "ai"),
        ("窓口業務改善", "bpr"),
        ("情報セキュリティポリシーの見直しと標的型メール訓練", "security"),
        ("サーバの移行とクラウド化", "cloud"),
        ("ガバメントクラウドへの移行と標準準拠システム", "standardisation"),
        ("ホームページのアクセシビリティを改善したい", "web_ux"),
        ("オープンデータとEBPMを進めたい", "data"),
        ("SNSでの情報発信を強化したい", "pr"),
        ("大学や民間企業との連携で実証実験をしたい", "co_creation"),
        ("DX推進計画を作りたいが何から始めればよいか分からない", "cio"),
        ("ベンダー選定のためのRFPを書きたい", "procurement"),
    ],
)
def test_real_requests(analyzer, taxonomy, text, skill):
    assert suggest_skills(text, taxonomy, analyzer=analyzer)[0].skill == skill


def test_text_with_no_matching_term_gives_nothing(analyzer, taxonomy):
    assert suggest_skills("今日は良い天気ですね", taxonomy, analyzer=analyzer) == []


def test_longer_synonyms_weigh_more_and_repetition_saturates(analyzer, taxonomy):
    one = suggest_skills("ネットワーク", taxonomy, analyzer=analyzer)[0]
    longer = suggest_skills("ネットワーク更新", taxonomy, analyzer=analyzer)[0]
    assert longer.score > one.score
    assert longer.matched == ("ネットワーク更新",)  # the contained ネットワーク is not counted
    twice = suggest_skills("ネットワーク。ネットワーク", taxonomy, analyzer=analyzer)[0]
    many = suggest_skills("ネットワーク。" * 50, taxonomy, analyzer=analyzer)[0]
    assert one.score < twice.score < many.score < 2.5 * one.score


def test_a_synonym_does_not_match_across_a_sentence_end(analyzer, taxonomy):
    result = suggest_skills("ネットワーク。更新", taxonomy, analyzer=analyzer)
    assert result[0].matched == ("ネットワーク",)


def test_order_is_deterministic_and_limited(analyzer, taxonomy):
    text = "AIとクラウドとネットワークとセキュリティとデータと広報と調達"
    first = suggest_skills(text, taxonomy, analyzer=analyzer, limit=20)
    assert first == suggest_skills(text, taxonomy, analyzer=Analyzer(), limit=20)
    assert len(first) == 7
    scores = [s.score for s in first]
    assert scores == sorted(scores, reverse=True)
    assert len(suggest_skills(text, taxonomy, analyzer=analyzer, limit=3)) == 3
    assert suggest_skills(text, taxonomy, analyzer=analyzer, limit=0) == []


def test_every_skill_is_reachable_by_its_synonyms(analyzer, taxonomy):
    """Property over the data: each synonym alone suggests its own skill, and each skill is the
    first suggestion for at least one of its synonyms."""
    for skill in taxonomy.skills:
        first_for = []
        for synonym in skill.synonyms:
            result = suggest_skills(synonym, taxonomy, analyzer=analyzer, limit=50)
            assert skill.id in _ids(result), (skill.id, synonym)
            if result[0].skill == skill.id:
                first_for.append(synonym)
        assert first_for, skill.id


def test_synonyms_are_cached_per_taxonomy(analyzer, taxonomy):
    assert analyzer.synonym_index(taxonomy) is analyzer.synonym_index(taxonomy)
    other = taxonomy_from_dict(
        {
            "version": "t",
            "updated": "2026-01-01",
            "levels": {n: {"ja": "x", "en": "x"} for n in range(1, 6)},
            "skills": [
                {
                    "id": "gis",
                    "label": {"ja": "地図", "en": "Maps"},
                    "description": {"ja": "地図", "en": "Maps"},
                    "synonyms": ["ハザードマップ", "地図"],
                }
            ],
        }
    )
    result = suggest_skills("ハザードマップを作りたい", other, analyzer=analyzer)
    assert result == [SkillSuggestion("gis", result[0].score, ("ハザードマップ",))]
    assert analyzer.synonym_index(taxonomy) is not analyzer.synonym_index(other)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_arbitrary_text_never_raises(analyzer, taxonomy, text):
    result = suggest_skills(text, taxonomy, analyzer=analyzer)
    assert all(s.skill in taxonomy and s.score > 0 for s in result)
    assert isinstance(analyzer.normalise(text), list)
    past = [PastRequest("a", text, ("ai",)), PastRequest("b", "ネットワーク更新", ("network",))]
    for hit in similar_requests(text, past, analyzer=analyzer):
        assert 0 < hit.score <= 1
    suggest_from_similar(text, past, analyzer=analyzer)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.sampled_from("窓口業務改善ネットワークＡＩ生成サーバ。、\n 😀\ud7ffｱｶ"),
        min_size=0,
        max_size=25_000,
    )
)
def test_long_and_odd_text_never_raises(analyzer, taxonomy, text):
    suggest_skills(text, taxonomy, analyzer=analyzer)


def test_lone_surrogates_do_not_raise(analyzer, taxonomy):
    assert suggest_skills("\ud800ネットワーク\udfff", taxonomy, analyzer=analyzer)[0].skill == (
        "network"
    )


# ------------------------------------------------------------------------------ similar requests

PAST = [
    PastRequest(1, "庁舎内のWi-Fi環境を整備し、会議室で無線LANを使えるようにしたい", ("network",)),
    PastRequest(2, "子育て支援の情報をSNSとLINEで発信したい", ("pr",)),
    PastRequest(3, "住民票の窓口で申請書を書かなくてよい仕組みを作りたい", ("bpr",)),
    PastRequest(4, "ネットワーク更新の仕様書の作成を手伝ってほしい", ("network", "procurement")),
    PastRequest(5, "生成AIの利用ガイドラインを作成したい", ("ai",)),
    PastRequest(6, "議事録作成に生成AIを使いたい", ("ai", "bpr")),
]


def test_similar_requests_rank_a_paraphrase_above_unrelated_text(analyzer):
    result = similar_requests(
        "会議室でWi-Fiを使えるように庁舎の無線LANを整備したい", PAST, analyzer=analyzer
    )
    assert result[0].id == 1
    assert {"wi-fi", "無線lan"} & set(result[0].shared_terms)
    assert 0 < result[0].score <= 1
    assert all(r.score < result[0].score for r in result[1:])
    assert 2 not in [r.id for r in result]  # shares no term


def test_exact_text_scores_one(analyzer):
    result = similar_requests(PAST[1].text, PAST, analyzer=analyzer)
    assert result[0].id == 2
    assert result[0].score == pytest.approx(1.0)


def test_similar_requests_edge_cases(analyzer):
    assert similar_requests("", PAST, analyzer=analyzer) == []
    assert similar_requests("今日は天気", PAST, analyzer=analyzer) == []
    assert similar_requests("生成AI", [], analyzer=analyzer) == []
    assert similar_requests("生成AI", PAST, analyzer=analyzer, limit=0) == []
    assert len(similar_requests("生成AIと仕様書", PAST, analyzer=analyzer, limit=1)) == 1


def test_index_is_built_once_for_many_queries(analyzer):
    index = Index.build(PAST, analyzer)
    assert len(index) == len(PAST)
    assert index.query("生成AIを議事録作成に使う", limit=2)[0].id == 6
    assert index.query("ネットワークの仕様書", limit=5)[0].id == 4


def test_suggest_from_similar_weights_skills_by_similarity(analyzer, taxonomy):
    index = Index.build(PAST, analyzer)
    result = suggest_from_similar("生成AIで議事録を作成したい", index, taxonomy=taxonomy)
    assert result[0].skill == "ai"
    assert result[0].matched[0] == "6"
    assert 0 < result[-1].score <= result[0].score <= 1
    assert "bpr" in _ids(result)
    # from a plain list as well, and unknown skill ids are dropped with a taxonomy
    past = [*PAST, PastRequest(7, "生成AIの研修", ("retired_skill",))]
    ids = _ids(suggest_from_similar("生成AI", past, analyzer=analyzer, taxonomy=taxonomy))
    assert "retired_skill" not in ids
    assert "retired_skill" in _ids(suggest_from_similar("生成AI", past, analyzer=analyzer))
    assert suggest_from_similar("今日は天気", index) == []
