"""The packaged guideline rule files: they load, every rule is sourced and explained in both
languages, and a broken file is refused with a message naming the rule and the key."""

from __future__ import annotations

import copy
import datetime as dt
from importlib import resources

import pytest
import yaml

from tsunagu.engines.compliance.model import MODEL_KINDS
from tsunagu.engines.compliance.rules import (
    CAPABILITIES,
    DEFAULT_EDITION,
    RULE_TYPES,
    RuleSetError,
    list_editions,
    load_ruleset,
    ruleset_from_dict,
)


def test_editions_are_packaged_newest_first():
    editions = list_editions()
    assert editions == ["guideline-2024-10", "guideline-2022-03"]
    assert editions[0] == DEFAULT_EDITION
    assert load_ruleset() is load_ruleset(edition=DEFAULT_EDITION)  # cached


@pytest.mark.parametrize("edition", ["guideline-2024-10", "guideline-2022-03"])
def test_every_rule_is_sourced_and_explained(edition):
    rules = load_ruleset(edition=edition)
    assert rules.edition == edition
    assert rules.title["ja"] and rules.title["en"]
    assert all(s.basis in ("documented", "remembered") for s in rules.sources)
    assert any(s.url.startswith("https://www.soumu.go.jp/") for s in rules.sources)
    for rule in rules.rules:
        assert rule.type in RULE_TYPES
        for text in (rule.title, rule.fix):
            assert text["ja"].strip() and text["en"].strip(), rule.id
        assert rule.source["ref"] and rule.source["section"], rule.id
        assert rule.source["edition"] == edition
        assert rule.source["basis"] in ("documented", "remembered")
        assert rule.applies_to <= set(MODEL_KINDS)
    for kind, profile in rules.models.items():
        assert profile.label["ja"] and profile.label["en"]
        assert set(profile.enables) <= set(CAPABILITIES)
        for step in (*profile.move_systems, *profile.move_terminals, *profile.add_flows):
            assert step.reason["ja"] and step.reason["en"], kind
    assert set(rules.capabilities) == set(CAPABILITIES)


def test_the_editions_differ_where_the_guideline_changed():
    new, old = load_ruleset(), load_ruleset(edition="guideline-2022-03")
    assert "alpha_prime" in new.models and "alpha_prime" not in old.models
    new_ids = {r.id for r in new.rules}
    old_ids = {r.id for r in old.rules}
    assert {"LBO-1", "LBO-2", "LBO-3", "POL-1", "AUTH-2"} <= new_ids - old_ids
    assert not any(r.type == "lbo_allowlist" for r in old.rules)
    assert new.rule("POL-1").effective_from == dt.date(2026, 4, 1)
    assert new.rule("MN-1").severity == "critical"
    assert new.rule("MN-1").barriers("file") == {"screen_transfer", "specific_communication"}
    assert new.rule("LG-1").barriers("mail") == {"sanitise_mail", "screen_transfer"}
    assert new.rule("LG-1").barriers("file") == {"sanitise_file", "screen_transfer"}


def test_a_file_on_disk_loads(tmp_path):
    packaged = resources.files("tsunagu.engines.compliance").joinpath(
        "rules", "guideline-2024-10.yaml"
    )
    data = yaml.safe_load(packaged.read_text(encoding="utf-8"))
    data["edition"] = "local-test"
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rules = load_ruleset(path)
    assert rules.edition == "local-test" and rules.source == str(path)
    assert [r.id for r in rules.rules] == [r.id for r in load_ruleset().rules]


def _base() -> dict:
    return {
        "edition": "t",
        "title": {"ja": "t", "en": "t"},
        "published": "2024-10-01",
        "sources": [{"id": "s", "title": "S", "url": "https://example.invalid/"}],
        "models": {"alpha": {"label": {"ja": "α", "en": "alpha"}, "main_terminal_zone": "lgwan"}},
        "rules": [
            {
                "id": "MN-1",
                "type": "no_path",
                "severity": "critical",
                "title": {"ja": "t", "en": "t"},
                "fix": {"ja": "f", "en": "f"},
                "source": {"ref": "s", "section": "x"},
                "applies_to": "all",
                "from": {"kinds": ["mynumber"]},
                "to": {"kinds": ["internet"]},
                "flow_kinds": "any",
            }
        ],
    }


def test_minimal_rule_file():
    rules = ruleset_from_dict(_base())
    assert rules.rule("MN-1").flow_kinds is None
    assert rules.rule("MN-1").applies_to == set(MODEL_KINDS)
    assert rules.published == dt.date(2024, 10, 1)


def _broken(mutate) -> str:
    data = copy.deepcopy(_base())
    mutate(data)
    with pytest.raises(RuleSetError) as err:
        ruleset_from_dict(data, source="broken.yaml")
    return str(err.value)


def test_unknown_rule_type_names_the_rule_and_key():
    msg = _broken(lambda d: d["rules"][0].update(type="no_route"))
    assert "broken.yaml" in msg and "'MN-1'" in msg and "'type'" in msg and "no_route" in msg


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d["rules"][0].pop("to"), "'to'"),
        (lambda d: d["rules"][0].pop("severity"), "'severity'"),
        (lambda d: d["rules"][0]["fix"].pop("en"), "'fix.en'"),
        (lambda d: d["rules"][0].update(severity="fatal"), "'severity'"),
        (lambda d: d["rules"][0].update(barrier_controls=["sanitize"]), "'barrier_controls'"),
        (lambda d: d["rules"][0]["from"].update(kinds=["mynumbr"]), "'from.kinds'"),
        (lambda d: d["rules"][0]["source"].update(ref="nope"), "'source.ref'"),
        (lambda d: d["rules"][0].update(applies_to=["gamma"]), "'applies_to'"),
        (lambda d: d["rules"][0].update(effective_from="someday"), "'effective_from'"),
        (lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])), "'id'"),
    ],
)
def test_broken_rules_are_refused_with_rule_and_key(mutate, key):
    msg = _broken(mutate)
    assert "'MN-1'" in msg and key in msg


def test_edge_rule_needs_a_requirement_and_measures_must_exist():
    def edge(d):
        d["rules"][0] = {
            **{k: d["rules"][0][k] for k in ("id", "severity", "title", "fix", "source")},
            "id": "X-1",
            "type": "edge_requires",
            "applies_to": "all",
            "match": {"kinds": ["browse"]},
        }

    assert "'X-1'" in _broken(edge) and "'require_all'" in _broken(edge)

    def measures(d):
        d["rules"][0].update(type="required_measures", measures=["edr", "firewall"])

    msg = _broken(measures)
    assert "'measures'" in msg and "firewall" in msg


def test_unknown_packaged_edition():
    with pytest.raises(RuleSetError, match="guideline-1999"):
        load_ruleset(edition="guideline-1999")
