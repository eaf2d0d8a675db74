"""The packaged skill taxonomy: it loads, every skill is described in both languages, and a
broken file is refused with a message naming the skill and the key."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources

import pytest
import yaml

from tsunagu.engines.matching.taxonomy import (
    LEVELS,
    TaxonomyError,
    load_taxonomy,
    taxonomy_from_dict,
)

EXPECTED_IDS = {
    "cio",
    "bpr",
    "web_ux",
    "security",
    "network",
    "cloud",
    "standardisation",
    "data",
    "procurement",
    "ai",
    "pr",
    "co_creation",
}


def _raw():
    ref = resources.files("tsunagu.engines.matching").joinpath("data", "skills.yaml")
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def test_packaged_taxonomy_loads_and_is_cached():
    taxonomy = load_taxonomy()
    assert taxonomy is load_taxonomy()
    assert set(taxonomy.ids()) == EXPECTED_IDS
    assert len(taxonomy.ids()) == len(set(taxonomy.ids()))
    assert taxonomy.version
    assert isinstance(taxonomy.updated, dt.date)


def test_every_skill_is_described_in_both_languages():
    taxonomy = load_taxonomy()
    for skill in taxonomy.skills:
        for lang in ("ja", "en"):
            assert skill.label[lang].strip()
            assert skill.description[lang].strip()
        assert len(skill.synonyms) >= 10, skill.id
    assert [*taxonomy.levels] == list(LEVELS)
    for level in LEVELS:
        assert taxonomy.level(level, "ja") and taxonomy.level(level, "en")


def test_lookup_by_id_and_label_fallback():
    taxonomy = load_taxonomy()
    assert taxonomy.skill("bpr").label["ja"] == "業務改革・BPR"
    assert taxonomy.label("network", "en") == "Networks"
    assert taxonomy.label("network", "fr") == taxonomy.label("network", "ja")
    assert "cloud" in taxonomy
    assert "mainframe" not in taxonomy
    with pytest.raises(KeyError, match="mainframe"):
        taxonomy.skill("mainframe")


def test_skills_and_taxonomy_are_frozen():
    taxonomy = load_taxonomy()
    with pytest.raises(AttributeError):
        taxonomy.version = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        taxonomy.skill("ai").label["ja"] = "x"  # type: ignore[index]


def test_load_from_a_path(tmp_path):
    path = tmp_path / "skills.yaml"
    path.write_text(yaml.safe_dump(_raw(), allow_unicode=True), encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.ids() == load_taxonomy().ids()
    assert taxonomy.source == str(path)


@pytest.mark.parametrize(
    ("mutate", "skill", "key"),
    [
        (lambda d: d["skills"][1].pop("synonyms"), "bpr", "synonyms"),
        (lambda d: d["skills"][1].__setitem__("synonyms", []), "bpr", "synonyms"),
        (lambda d: d["skills"][2]["synonyms"].append(365), "web_ux", "synonyms"),
        (lambda d: d["skills"][2]["synonyms"].append("  "), "web_ux", "synonyms"),
        (lambda d: d["skills"][3]["synonyms"].append("ＣＳＩＲＴ"), "security", "synonyms"),
        (lambda d: d["skills"][4]["label"].pop("en"), "network", "label"),
        (lambda d: d["skills"][4]["description"].__setitem__("ja", ""), "network", "description"),
        (lambda d: d["skills"][5].__setitem__("label", "クラウド"), "cloud", "label"),
        (lambda d: d["skills"][6].__setitem__("synonym", ["x"]), "standardisation", "synonym"),
        (lambda d: d["skills"][7].__setitem__("id", "cio"), "cio", "id"),
        (lambda d: d["skills"][8].__setitem__("id", "Data Skills"), "Data Skills", "id"),
    ],
)
def test_broken_file_names_skill_and_key(tmp_path, mutate, skill, key):
    data = copy.deepcopy(_raw())
    mutate(data)
    path = tmp_path / "skills.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    assert info.value.skill == skill
    assert info.value.key == key
    assert f"skill {skill!r}" in str(info.value)
    assert f"key {key!r}" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.__setitem__("updated", "last week"), "updated"),
        (lambda d: d["levels"].pop(5), "levels"),
        (lambda d: d["levels"][3].pop("en"), "levels.3"),
        (lambda d: d.__setitem__("skills", []), "skills"),
        (lambda d: d.__setitem__("skils", []), "skils"),
    ],
)
def test_broken_top_level_names_the_key(mutate, key):
    data = copy.deepcopy(_raw())
    mutate(data)
    with pytest.raises(TaxonomyError) as info:
        taxonomy_from_dict(data, source="test.yaml")
    assert info.value.key == key
    assert info.value.skill == ""


def test_unreadable_or_invalid_files(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot be read"):
        load_taxonomy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("skills: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="mapping"):
        load_taxonomy(scalar)


def test_an_operator_can_add_a_skill_without_code(tmp_path):
    data = copy.deepcopy(_raw())
    data["skills"].append(
        {
            "id": "gis",
            "label": {"ja": "地理空間情報", "en": "Geospatial"},
            "description": {"ja": "地図と位置情報の活用。", "en": "Maps and location data."},
            "synonyms": ["地図", "位置情報", "ハザードマップ"],
        }
    )
    path = tmp_path / "skills.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert taxonomy.ids()[-1] == "gis"
    assert taxonomy.skill("gis").synonyms == ("地図", "位置情報", "ハザードマップ")
