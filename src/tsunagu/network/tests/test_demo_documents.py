"""The demo network-model documents of the 63 organisations: valid, in the canonical shape,
distributed like the survey, and wrong only where they are meant to be."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest

from tsunagu.core.orgdata import load_rows
from tsunagu.engines.compliance.diagram import render_svg
from tsunagu.engines.compliance.model import (
    AUTH_FACTORS,
    MODEL_KINDS,
    model_to_dict,
    parse_model,
)
from tsunagu.network.demo import (
    DELIBERATE_FINDINGS,
    DEMO_CONSENT,
    DEMO_MOVES,
    KOGANEI,
    KOGANEI_RENEWAL,
    TOKYO,
    demo_document,
    is_island,
)

ROWS = load_rows()


def _plan(index: int) -> dict[str, list[str]]:
    base = f"10.{index}"
    return {
        "mynumber": [f"{base}.0.0/18"],
        "lgwan": [f"{base}.64.0/18"],
        "internet": [f"{base}.128.0/18"],
        "dmz": [f"{base}.192.0/24"],
        "sanitiser": [f"{base}.193.0/24"],
    }


def _docs() -> dict[str, dict[str, Any]]:
    return {
        row.code: demo_document(
            code=row.code, name=row.name, kind=row.kind, index=i, prefix_plan=_plan(i)
        )
        for i, row in enumerate(ROWS, start=1)
    }


DOCS = _docs()
NAMES = {row.code: row.name for row in ROWS}


def _flows(doc: dict[str, Any], src: str, dst: str) -> list[dict[str, Any]]:
    return [f for f in doc["flows"] if {f["src"], f["dst"]} == {src, dst}]


def test_all_63_documents_parse_without_errors_in_the_canonical_shape() -> None:
    assert len(DOCS) == 63
    for code, doc in DOCS.items():
        result = parse_model(doc, org=code)
        errors = [i.to_dict() for i in result.issues if i.severity == "error"]
        assert errors == [], (NAMES[code], errors)
        assert result.ok
        assert model_to_dict(result.model) == doc, NAMES[code]  # exactly the stored shape


def test_deterministic_per_code() -> None:
    assert _docs() == DOCS
    row = ROWS[5]
    other_index = demo_document(
        code=row.code, name=row.name, kind=row.kind, index=6, prefix_plan=_plan(6)
    )
    assert other_index == DOCS[row.code]


def test_prefix_plan_is_used_verbatim() -> None:
    for i, row in enumerate(ROWS, start=1):
        zones = {z["id"]: z for z in DOCS[row.code]["zones"]}
        for zid, prefixes in _plan(i).items():
            assert zones[zid]["prefixes"] == prefixes


def test_model_distribution_is_mostly_alpha_with_some_of_each() -> None:
    kinds = Counter(doc["model"] for doc in DOCS.values())
    assert set(kinds) <= set(MODEL_KINDS)
    assert kinds["alpha"] >= 45  # the survey: 82 %
    assert 5 <= kinds["alpha_prime"] <= 7
    assert kinds["beta"] >= 2 and kinds["beta_prime"] >= 2
    assert kinds["beta"] + kinds["beta_prime"] <= 8


def test_main_terminals_follow_the_model() -> None:
    for code, doc in DOCS.items():
        main = [t for t in doc["terminals"] if t["role"] == "main"]
        assert len(main) == 1, NAMES[code]
        expected = "internet" if doc["model"] in ("beta", "beta_prime") else "lgwan"
        assert main[0]["zone"] == expected, NAMES[code]
        if doc["model"] in ("beta", "beta_prime"):
            screen = [f for f in _flows(doc, "internet", "lgwan") if f["kind"] == "screen"]
            assert screen and {"screen_transfer", "mfa"} <= set(screen[0]["controls"])
        if doc["model"] == "beta_prime":
            finance = [s for s in doc["systems"] if s["category"] == "finance"]
            assert finance[0]["zone"] == "internet"
        if doc["model"] == "alpha_prime":
            lbo = [f for f in doc["flows"] if f["kind"] == "lbo"]
            assert lbo and lbo[0]["dst"] == "internet_external" and lbo[0]["destinations"]


def test_terminal_counts_scale_with_the_body() -> None:
    main = {
        code: next(t["count"] for t in doc["terminals"] if t["role"] == "main")
        for code, doc in DOCS.items()
    }
    kinds = {row.code: row.kind for row in ROWS}
    for code, count in main.items():
        if kinds[code] in ("区", "市"):
            assert 1_000 <= count <= 5_000, NAMES[code]
        elif kinds[code] == "村":
            assert 50 <= count <= 150, NAMES[code]
    assert main[TOKYO] == max(main.values()) and main[TOKYO] > 10_000


def test_islands_are_recognised() -> None:
    islands = {row.code for row in ROWS if row.region == "島しょ"}
    assert islands == {row.code for row in ROWS if is_island(row.code)}
    assert len(islands) == 9
    branches = {c for c, d in DOCS.items() if any(z["id"] == "lgwan_branch" for z in d["zones"])}
    assert branches and branches <= islands


def _two_factor(factors: list[str]) -> bool:
    return len({AUTH_FACTORS[f] for f in factors}) >= 2


def test_documents_without_a_deliberate_mistake_keep_the_invariants() -> None:
    for code, doc in DOCS.items():
        if code in DELIBERATE_FINDINGS:
            continue
        name = NAMES[code]
        for t in doc["terminals"]:
            if t["zone"] == "mynumber":
                assert _two_factor(t["auth"]), name
        for f in doc["flows"]:
            ends = {f["src"], f["dst"]}
            if "mynumber" in ends:
                assert ends & {"lgwan", "internet_external"}, name
                assert "specific_communication" in f["controls"], name
            if f["src"] == "internet" and f["dst"] == "lgwan":
                wanted = {"file": "sanitise_file", "mail": "sanitise_mail"}.get(f["kind"])
                if wanted:
                    assert wanted in f["controls"], name
                else:
                    assert "screen_transfer" in f["controls"], name
            for d in f["destinations"]:
                assert d["tenant_restriction"] and not d["pattern"].startswith("*.com"), name
        if doc["model"] in ("beta", "beta_prime"):
            assert "edr" in doc["endpoint_measures"] and "csirt" in doc["org_measures"], name


def test_deliberate_mistakes_are_there() -> None:
    kiyose = DOCS["132217"]
    assert any(not f["controls"] for f in _flows(kiyose, "mynumber", "lgwan"))
    assert any(
        f["kind"] == "data" and not f["controls"] for f in _flows(kiyose, "lgwan", "internet")
    )
    hinode = DOCS["133051"]
    assert [t["auth"] for t in hinode["terminals"] if t["zone"] == "mynumber"] == [["password"]]
    itabashi = DOCS["131199"]
    assert itabashi["model"] == "beta" and "edr" not in itabashi["endpoint_measures"]
    koto = DOCS["131083"]
    lbo = next(f for f in koto["flows"] if f["kind"] == "lbo")
    assert any(not d["tenant_restriction"] for d in lbo["destinations"])
    assert 3 <= len(DELIBERATE_FINDINGS) <= 6


def test_koganei_is_alpha_mid_renewal_with_a_wifi_zone() -> None:
    doc = DOCS[KOGANEI]
    assert NAMES[KOGANEI] == "小金井市"
    assert doc["model"] == "alpha"
    wifi = [z for z in doc["zones"] if z["kind"] == "custom"]
    assert len(wifi) == 1 and "Wi-Fi" in wifi[0]["label"] and "更新予定" in wifi[0]["label"]
    internet_terminals = [t for t in doc["terminals"] if t["role"] == "internet"]
    assert internet_terminals and internet_terminals[0]["zone"] == "internet"
    assert any(s["category"] == "web_meeting" and s["zone"] == "internet" for s in doc["systems"])
    assert "basic_policy_published" not in doc["org_measures"]
    assert "edr" not in doc["endpoint_measures"]
    assert KOGANEI_RENEWAL["target"] in MODEL_KINDS
    assert dt.date.fromisoformat(KOGANEI_RENEWAL["due"]) > dt.date(2026, 11, 22)


def test_moves_and_consent() -> None:
    movers = {code for code, doc in DOCS.items() if doc["model"] != "alpha"}
    assert set(DEMO_MOVES) == movers
    for code, moves in DEMO_MOVES.items():
        dates = [dt.date.fromisoformat(d) for d, _f, _t in moves]
        assert dates == sorted(dates) and dates[-1] <= dt.date(2026, 11, 22)
        assert moves[0][1] == "alpha" and moves[-1][2] == DOCS[code]["model"]
        for (_d1, _f1, to), (_d2, frm, _t2) in itertools.pairwise(moves):
            assert to == frm
    assert movers >= DEMO_CONSENT and len(DEMO_CONSENT) > len(movers) / 2


def test_tokyo_itself_is_a_large_alpha() -> None:
    doc = DOCS[TOKYO]
    assert NAMES[TOKYO] == "東京都" and doc["model"] == "alpha"
    assert not any(s["category"] == "resident_register" for s in doc["systems"])


@pytest.mark.parametrize("code", [KOGANEI, TOKYO, "131105", "133639", "131083"])
def test_demo_documents_render_as_diagrams(code: str) -> None:
    model = parse_model(DOCS[code], org=NAMES[code]).model
    root = ET.fromstring(render_svg(model, title=NAMES[code]))  # noqa: S314 - our own SVG
    ids = {el.attrib.get("id") for el in root.iter()}
    assert all(f"zone-{z.id}" in ids for z in model.zones)
    assert all(f"flow-{f.id}" in ids for f in model.flows)
