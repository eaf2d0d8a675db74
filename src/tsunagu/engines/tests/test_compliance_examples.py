"""The compliance evaluator on named, realistic models: one compliant α body, and variations
that break exactly one rule each. Also the parser's issues and garbage input of any shape."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.engines.compliance.evaluate import evaluate, evaluate_document
from tsunagu.engines.compliance.model import parse_model
from tsunagu.engines.compliance.rules import load_ruleset

TODAY = dt.date(2026, 6, 1)  # after POL-1 takes effect
BEFORE_POLICY_DUTY = dt.date(2025, 6, 1)
RULES = load_ruleset()
RULES_2022 = load_ruleset(edition="guideline-2022-03")


def alpha_doc() -> dict:
    """A compliant α body: three segments, a sanitiser, a data-linkage intermediate server
    between LGWAN and mynumber (specific communication), a virtual browser, a DMZ."""
    return {
        "model": "alpha",
        "zones": [
            {
                "id": "mynumber",
                "kind": "mynumber",
                "prefixes": ["10.2.0.0/20"],
                "auth": ["ic_card", "password"],
            },
            {
                "id": "lgwan",
                "kind": "lgwan",
                "prefixes": ["10.2.64.0/18"],
                "auth": ["password", "totp"],
            },
            {
                "id": "internet",
                "kind": "internet",
                "prefixes": ["10.2.128.0/18"],
                "auth": ["password", "totp"],
            },
            {"id": "dmz", "kind": "dmz", "prefixes": ["10.2.192.0/24"]},
            {"id": "sanitiser", "kind": "sanitiser", "prefixes": ["10.2.193.0/24"]},
            {
                "id": "linkage",
                "kind": "custom",
                "label": "中間サーバ",
                "prefixes": ["10.2.194.0/24"],
            },
        ],
        "systems": [
            {"id": "juki", "name": "住民記録", "category": "resident_register", "zone": "mynumber"},
            {"id": "tax", "name": "税務", "category": "tax", "zone": "mynumber"},
            {"id": "fin", "name": "財務会計", "category": "finance", "zone": "lgwan"},
            {"id": "hr", "name": "人事給与", "category": "hr_payroll", "zone": "lgwan"},
            {"id": "doc", "name": "文書管理", "category": "document_management", "zone": "lgwan"},
            {"id": "gw", "name": "グループウェア", "category": "groupware", "zone": "lgwan"},
            {"id": "imail", "name": "庁内メール", "category": "internal_mail", "zone": "lgwan"},
            {"id": "vb", "name": "仮想ブラウザ", "category": "virtual_browser", "zone": "internet"},
            {"id": "cdr", "name": "無害化装置", "category": "sanitiser", "zone": "sanitiser"},
            {"id": "link", "name": "中間サーバ", "category": "data_linkage", "zone": "linkage"},
            {"id": "web", "name": "公式サイト", "category": "public_website", "zone": "dmz"},
            {
                "id": "xmail",
                "name": "インターネットメール",
                "category": "internet_mail",
                "zone": "internet",
            },
        ],
        "terminals": [
            {"id": "desk", "zone": "lgwan", "role": "main", "count": 900},
            {"id": "mn", "zone": "mynumber", "role": "mynumber", "count": 150},
        ],
        "flows": [
            {
                "id": "f-link-mn",
                "src": "linkage",
                "dst": "mynumber",
                "kind": "data",
                "controls": ["specific_communication", "logging"],
                "bidirectional": True,
            },
            {
                "id": "f-link-lg",
                "src": "lgwan",
                "dst": "linkage",
                "kind": "data",
                "controls": ["logging"],
                "bidirectional": True,
            },
            {
                "id": "f-mn-wan",
                "src": "mynumber",
                "dst": "lgwan_wan",
                "kind": "specific",
                "controls": ["specific_communication"],
            },
            {
                "id": "f-lg-wan",
                "src": "lgwan",
                "dst": "lgwan_wan",
                "kind": "data",
                "bidirectional": True,
            },
            {"id": "f-lg-asp", "src": "lgwan", "dst": "lgwan_asp", "kind": "data"},
            {
                "id": "f-vb",
                "src": "lgwan",
                "dst": "internet",
                "kind": "screen",
                "controls": ["screen_transfer", "no_redirection"],
            },
            {"id": "f-web", "src": "internet", "dst": "security_cloud", "kind": "browse"},
            {
                "id": "f-web-out",
                "src": "security_cloud",
                "dst": "internet_external",
                "kind": "browse",
            },
            {
                "id": "f-mail-in",
                "src": "internet_external",
                "dst": "security_cloud",
                "kind": "mail",
            },
            {"id": "f-mail-relay", "src": "security_cloud", "dst": "internet", "kind": "mail"},
            {
                "id": "f-mail-lg",
                "src": "internet",
                "dst": "lgwan",
                "kind": "mail",
                "controls": ["sanitise_mail"],
            },
            {
                "id": "f-file-in",
                "src": "internet",
                "dst": "sanitiser",
                "kind": "file",
                "controls": ["malware_check"],
            },
            {
                "id": "f-file-lg",
                "src": "sanitiser",
                "dst": "lgwan",
                "kind": "file",
                "controls": ["sanitise_file", "malware_check"],
            },
            {
                "id": "f-file-out",
                "src": "lgwan",
                "dst": "internet",
                "kind": "file",
                "controls": ["file_exchange", "logging"],
            },
            {
                "id": "f-pub",
                "src": "security_cloud",
                "dst": "dmz",
                "kind": "browse",
                "controls": ["waf"],
            },
        ],
        "endpoint_measures": ["antivirus", "logging", "patching", "asset_management"],
        "org_measures": ["basic_policy_published", "training", "csirt", "ciso_policy_review"],
    }


def flow(doc: dict, fid: str) -> dict:
    return next(f for f in doc["flows"] if f["id"] == fid)


def assess(doc: dict, *, today: dt.date = TODAY, rules=RULES):
    parsed = parse_model(doc, org="13203")
    assert parsed.ok, parsed.issues
    return evaluate(parsed.model, rules, today=today)


def keys_of(assessment, rule: str) -> set[str]:
    return {f.key for f in assessment.findings if f.rule == rule}


def one(assessment, key: str):
    got = [f for f in assessment.findings if f.key == key]
    assert len(got) == 1, [f.key for f in assessment.findings]
    return got[0]


# ------------------------------------------------------------------------------ baseline


def test_the_demo_alpha_body_is_compliant_under_both_editions():
    for rules in (RULES, RULES_2022):
        a = assess(alpha_doc(), rules=rules)
        assert a.findings == (), [f.key for f in a.findings]
        assert a.rules_checked == a.rules_passed > 10
        assert a.edition == rules.edition


def test_assessment_json_round_trips():
    doc = alpha_doc()
    flow(doc, "f-vb")["controls"] = []
    data = assess(doc).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["counts"]["high"] == 1
    assert data["findings"][0]["source"]["url"].startswith("https://www.soumu.go.jp/")


# ------------------------------------------------------------------------------ no_path


def test_mn1_reports_a_transitive_path_with_its_shortest_evidence():
    doc = alpha_doc()
    flow(doc, "f-link-mn")["controls"] = ["logging"]  # the intermediate server is wide open
    a = assess(doc)
    assert keys_of(a, "MN-1") == {
        "MN-1:mynumber->internet",
        "MN-1:mynumber->internet_external",
        "MN-1:internet->mynumber",
        "MN-1:internet_external->mynumber",
    }
    f = one(a, "MN-1:mynumber->internet")
    assert f.severity == "critical"
    assert f.path == ("mynumber", "linkage", "lgwan", "internet")
    assert f.flows == ("f-link-mn", "f-link-lg", "f-file-out")
    assert f.zones == f.path
    assert "mynumber → linkage → lgwan → internet" in f.detail["ja"]
    assert f.source["ref"] == "soumu-guideline-2024-10"
    back = one(a, "MN-1:internet_external->mynumber")
    assert back.path[0] == "internet_external" and back.path[-1] == "mynumber"
    assert len(back.flows) == len(back.path) - 1
    # the critical findings come first
    assert a.findings[0].severity == "critical"


def test_mn1_direct_edge_and_screen_transfer_barrier():
    doc = alpha_doc()
    doc["flows"].append({"id": "x", "src": "mynumber", "dst": "internet", "kind": "browse"})
    a = assess(doc)
    f = one(a, "MN-1:mynumber->internet")
    assert f.path == ("mynumber", "internet") and f.flows == ("x",)
    # pixels only: the same crossing by screen transfer conducts nothing
    flow(doc, "x")["controls"] = ["screen_transfer"]
    flow(doc, "x")["kind"] = "screen"
    assert keys_of(assess(doc), "MN-1") == set()


def test_lg1_unsanitised_mail_into_lgwan():
    doc = alpha_doc()
    flow(doc, "f-mail-lg")["controls"] = []
    a = assess(doc)
    assert keys_of(a, "LG-1") == {
        "LG-1:internet->lgwan",
        "LG-1:security_cloud->lgwan",
        "LG-1:internet_external->lgwan",
    }
    f = one(a, "LG-1:internet_external->lgwan")
    assert f.path == ("internet_external", "security_cloud", "internet", "lgwan")
    assert f.flows == ("f-mail-in", "f-mail-relay", "f-mail-lg")


def test_lg1_barriers_are_per_flow_kind():
    doc = alpha_doc()
    # a mail sanitiser does not sanitise files
    flow(doc, "f-file-lg")["controls"] = ["sanitise_mail"]
    a = assess(doc)
    f = one(a, "LG-1:internet->lgwan")
    assert f.path == ("internet", "sanitiser", "lgwan")
    assert f.flows == ("f-file-in", "f-file-lg")
    # browsing is not a file/mail/data flow: no LG-1 finding for an unsanitised browse
    doc = alpha_doc()
    doc["flows"].append({"id": "b", "src": "internet", "dst": "lgwan", "kind": "browse"})
    assert keys_of(assess(doc), "LG-1") == set()


# ------------------------------------------------------------------------------ edge_requires


def test_st1_browsing_from_lgwan_must_be_screen_transfer():
    doc = alpha_doc()
    flow(doc, "f-vb").update(kind="browse", controls=[])
    a = assess(doc)
    assert [f.key for f in a.findings] == ["ST-1:f-vb"]
    f = a.findings[0]
    assert f.flows == ("f-vb",) and f.zones == ("lgwan", "internet")
    assert "screen_transfer" in f.detail["en"]


def test_mn2_internet_into_mynumber_must_be_a_specific_communication():
    doc = alpha_doc()
    doc["flows"].append(
        {
            "id": "eltax",
            "src": "internet_external",
            "dst": "mynumber",
            "kind": "specific",
            "controls": ["specific_communication"],
        }
    )
    assert assess(doc).findings == ()
    flow(doc, "eltax")["kind"] = "data"
    a = assess(doc)
    assert keys_of(a, "MN-2") == {"MN-2:eltax"}
    assert "kind data" in one(a, "MN-2:eltax").detail["en"]
    # a specific-communication control still stops the path question (MN-1)
    assert keys_of(a, "MN-1") == set()


def test_mn3_linkage_without_specific_communication():
    doc = alpha_doc()
    flow(doc, "f-link-mn")["controls"] = ["logging"]
    a = assess(doc)
    assert keys_of(a, "MN-3") == {"MN-3:f-link-mn"}
    # screen transfer is the other acceptable guard of that crossing
    flow(doc, "f-link-mn").update(controls=["screen_transfer"], kind="screen")
    a = assess(doc)
    assert keys_of(a, "MN-3") == set()
    assert keys_of(a, "MN-1") == set()


def test_st3_telework_needs_mfa_and_no_redirection():
    doc = alpha_doc()
    doc["flows"].append(
        {
            "id": "tw",
            "src": "internet_external",
            "dst": "dmz",
            "kind": "telework",
            "controls": ["screen_transfer", "waf"],
        }
    )
    a = assess(doc)
    assert [f.key for f in a.findings] == ["ST-3:tw"]
    assert "mfa, no_redirection" in a.findings[0].detail["en"]
    flow(doc, "tw")["controls"] += ["mfa", "no_redirection"]
    assert assess(doc).findings == ()


def test_st2_applies_to_beta_only():
    doc = alpha_doc()
    doc["flows"].append({"id": "s", "src": "internet", "dst": "lgwan", "kind": "screen"})
    # α: no ST-2 (the α model has no such path by design; MN/LG rules still apply)
    assert keys_of(assess(doc), "ST-2") == set()
    doc["model"] = "beta"
    assert keys_of(assess(doc), "ST-2") == {"ST-2:s"}


def test_lbo2_is_forbidden_outside_alpha_prime():
    doc = alpha_doc()
    doc["flows"].append(
        {
            "id": "lbo",
            "src": "lgwan",
            "dst": "internet_external",
            "kind": "lbo",
            "controls": ["lbo_allowlist", "malware_check"],
            "destinations": [{"pattern": "*.zoom.us", "tenant_restriction": True}],
        }
    )
    a = assess(doc)
    assert {f.key for f in a.findings} == {"LBO-2:lbo"}
    assert "not allowed at all" in a.findings[0].detail["en"]
    doc["model"] = "alpha_prime"
    assert assess(doc).findings == ()
    # the 2022 edition has no α′: the breakout is simply forbidden (LG-3) and α′ is unknown
    a = assess(doc, rules=RULES_2022)
    assert {f.key for f in a.findings} == {"LG-3:lbo", "SHAPE-1:model"}


def test_pub1_inbound_publication_needs_a_waf():
    doc = alpha_doc()
    flow(doc, "f-pub")["controls"] = []
    assert [f.key for f in assess(doc).findings] == ["PUB-1:f-pub"]


# ------------------------------------------------------------------------------ lbo_allowlist


def _alpha_prime(destinations, controls=("lbo_allowlist", "malware_check")) -> dict:
    doc = alpha_doc()
    doc["model"] = "alpha_prime"
    doc["flows"].append(
        {
            "id": "lbo",
            "src": "lgwan",
            "dst": "internet_external",
            "kind": "lbo",
            "controls": list(controls),
            "destinations": destinations,
        }
    )
    return doc


def test_lbo1_compliant_allowlist():
    doc = _alpha_prime(
        [
            {"pattern": "*.zoom.us", "tenant_restriction": True, "service": "zoom"},
            {"pattern": "teams.microsoft.com", "tenant_restriction": True},
            {"pattern": "*.city.musashino.lg.jp", "tenant_restriction": True},
        ]
    )
    assert assess(doc).findings == ()


@pytest.mark.parametrize("pattern", ["*", "*.com", "*.co.jp", "*.lg.jp"])
def test_lbo1_rejects_patterns_broader_than_a_registrable_domain(pattern):
    doc = _alpha_prime(
        [
            {"pattern": "*.zoom.us", "tenant_restriction": True},
            {"pattern": pattern, "tenant_restriction": True},
        ]
    )
    a = assess(doc)
    f = one(a, "LBO-1:lbo")
    assert [x.key for x in a.findings] == ["LBO-1:lbo"]
    assert f"{pattern}: broader than one registrable domain" in f.detail["en"]
    assert "zoom" not in f.detail["en"]


def test_lbo1_tenant_restriction_empty_list_and_control():
    a = assess(_alpha_prime([{"pattern": "*.box.com", "tenant_restriction": False}]))
    assert "*.box.com: no tenant restriction" in one(a, "LBO-1:lbo").detail["en"]
    a = assess(_alpha_prime([]))
    assert "allow-list is empty" in one(a, "LBO-1:lbo").detail["en"]
    a = assess(
        _alpha_prime([{"pattern": "*.box.com", "tenant_restriction": True}], ("malware_check",))
    )
    assert "missing controls: lbo_allowlist" in one(a, "LBO-1:lbo").detail["en"]
    a = assess(_alpha_prime([{"pattern": "a..b", "tenant_restriction": True}]))
    assert "not a valid host" in one(a, "LBO-1:lbo").detail["en"]


def test_lbo3_intake_check():
    a = assess(
        _alpha_prime([{"pattern": "*.box.com", "tenant_restriction": True}], ("lbo_allowlist",))
    )
    assert [f.key for f in a.findings] == ["LBO-3:lbo"]


# ------------------------------------------------------------------------------ terminal_auth


def test_auth1_mynumber_terminals_need_two_categories():
    doc = alpha_doc()
    doc["zones"][0]["auth"] = ["password", "pin"]  # two factors, one category
    a = assess(doc)
    assert [f.key for f in a.findings] == ["AUTH-1:mn"]
    f = a.findings[0]
    assert f.terminals == ("mn",) and f.zones == ("mynumber",)
    assert "categories: knowledge" in f.detail["en"]
    # a terminal's own factors replace the zone's
    doc["terminals"][1]["auth"] = ["biometrics", "password"]
    assert assess(doc).findings == ()


def test_auth2_is_low_and_only_in_the_2024_edition():
    doc = alpha_doc()
    doc["zones"][1]["auth"] = ["password"]
    a = assess(doc)
    assert [(f.key, f.severity) for f in a.findings] == [("AUTH-2:desk", "low")]
    assert assess(doc, rules=RULES_2022).findings == ()


# ------------------------------------------------------------------------------ measures


def test_beta_mandatory_measures_one_finding_listing_all_missing():
    doc = alpha_doc()
    doc["model"] = "beta"
    doc["terminals"][0]["zone"] = "internet"
    a = assess(doc)
    f = one(a, "BETA-1")
    assert f.measures == ("edr", "log_monitoring")
    assert "EDR" in f.detail["ja"]
    f2 = one(a, "BETA-2")
    assert f2.measures == (
        "phishing_drills",
        "audit_internal",
        "audit_external",
        "restricted_media",
    )
    assert f2.source["basis"] == "remembered"
    doc["endpoint_measures"] += ["edr", "log_monitoring", "restricted_media"]
    doc["org_measures"] += ["phishing_drills", "audit_internal", "audit_external"]
    assert keys_of(assess(doc), "BETA-1") | keys_of(assess(doc), "BETA-2") == set()


def test_effective_from_is_respected():
    doc = alpha_doc()
    doc["org_measures"].remove("basic_policy_published")
    before = assess(doc, today=BEFORE_POLICY_DUTY)
    after = assess(doc, today=TODAY)
    assert before.findings == ()
    assert [f.key for f in after.findings] == ["POL-1"]
    assert after.rules_checked == before.rules_checked + 1
    assert after.rules_passed == before.rules_passed
    on_the_day = assess(doc, today=dt.date(2026, 4, 1))
    assert [f.key for f in on_the_day.findings] == ["POL-1"]


# ------------------------------------------------------------------------------ model_shape


def test_shape1_main_terminals_where_the_model_puts_them():
    doc = alpha_doc()
    doc["model"] = "beta"
    doc["endpoint_measures"] += ["edr", "log_monitoring", "restricted_media"]
    doc["org_measures"] += ["phishing_drills", "audit_internal", "audit_external"]
    a = assess(doc)
    f = one(a, "SHAPE-1:desk")
    assert f.severity == "medium" and f.terminals == ("desk",)
    assert "internet" in f.detail["en"]
    doc["model"] = "custom"  # custom is exempt
    assert keys_of(assess(doc), "SHAPE-1") == set()


# ------------------------------------------------------------------------------ ordering


def test_findings_are_ordered_by_severity_rule_and_key():
    doc = alpha_doc()
    flow(doc, "f-link-mn")["controls"] = []
    flow(doc, "f-vb")["controls"] = []
    doc["zones"][1]["auth"] = ["password"]
    for i in range(12):
        doc["flows"].append(
            {"id": f"t{i}", "src": "internet_external", "dst": "dmz", "kind": "telework"}
        )
    a = assess(doc)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    ranks = [order[f.severity] for f in a.findings]
    assert ranks == sorted(ranks)
    st3 = [f.key for f in a.findings if f.rule == "ST-3"]
    assert st3[:3] == ["ST-3:t0", "ST-3:t1", "ST-3:t2"] and st3[-1] == "ST-3:t11"
    assert evaluate(parse_model(doc).model, RULES, today=TODAY) == evaluate(
        parse_model(copy.deepcopy(doc)).model, RULES, today=TODAY
    )


# ------------------------------------------------------------------------------ parser issues


def issues_of(doc):
    return {(i.code, i.path) for i in parse_model(doc).issues}


def test_flow_to_an_unknown_zone_is_dropped_and_located():
    doc = alpha_doc()
    doc["flows"].append({"id": "bad", "src": "lgwan", "dst": "nowhere", "kind": "data"})
    i = len(doc["flows"]) - 1
    parsed = parse_model(doc)
    issue = next(x for x in parsed.issues if x.code == "unknown_zone")
    assert issue.path == f"flows[{i}].dst" and issue.params["value"] == "nowhere"
    assert "bad" not in {f.id for f in parsed.model.flows}
    a = evaluate_document(doc, RULES, org="13203", today=TODAY)
    assert a.findings == () and issue in a.issues and a.org == "13203"


def test_prefix_in_two_zones_and_duplicate_ids():
    doc = alpha_doc()
    doc["zones"][2]["prefixes"].append("10.2.64.0/24")  # inside lgwan's /18
    doc["zones"].append({"id": "lgwan", "kind": "lgwan"})
    doc["flows"].append(dict(flow(doc, "f-vb")))
    got = issues_of(doc)
    overlap = [i for i in parse_model(doc).issues if i.code == "prefix_in_two_zones"]
    assert len(overlap) == 1
    assert {overlap[0].params["zone"], overlap[0].params["other_zone"]} == {"lgwan", "internet"}
    assert overlap[0].path in ("zones[1].prefixes", "zones[2].prefixes")
    assert ("duplicate_id", "zones[6].id") in got
    assert ("duplicate_id", f"flows[{len(doc['flows']) - 1}].id") in got


def test_cycles_are_reported_as_info_and_evaluation_still_runs():
    doc = alpha_doc()
    doc["flows"] += [
        {"id": "c1", "src": "dmz", "dst": "sanitiser", "kind": "admin"},
        {"id": "c2", "src": "sanitiser", "dst": "linkage", "kind": "admin"},
        {"id": "c3", "src": "linkage", "dst": "dmz", "kind": "admin"},
    ]
    parsed = parse_model(doc)
    cycles = [i for i in parsed.issues if i.code == "flow_cycle"]
    assert cycles and all(i.severity == "info" for i in cycles)
    assert parsed.ok
    a = evaluate_document(doc, RULES, today=TODAY)
    assert any(i.code == "flow_cycle" for i in a.issues)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = {
    "zones": ["id", "kind", "label", "prefixes", "auth"],
    "systems": ["id", "name", "category", "zone"],
    "terminals": ["id", "zone", "role", "count", "auth", "location"],
    "flows": ["id", "src", "dst", "kind", "controls", "destinations", "bidirectional"],
}
WORDS = [
    "mynumber",
    "lgwan",
    "internet",
    "dmz",
    "internet_external",
    "security_cloud",
    "lbo",
    "data",
    "screen_transfer",
    "*.com",
    "main",
    "alpha",
    "beta",
    "10.0.0.0/8",
    "",
]
plausible_values = (
    st.sampled_from(WORDS) | st.lists(st.sampled_from(WORDS), max_size=3) | json_values
)


@st.composite
def garbage_docs(draw):
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    doc = draw(st.dictionaries(st.sampled_from(["model", "org", *FIELDS]), json_values, max_size=3))
    for key, fields in FIELDS.items():
        if draw(st.booleans()):
            doc[key] = draw(
                st.lists(
                    st.dictionaries(st.sampled_from(fields), plausible_values, max_size=6)
                    | json_values,
                    max_size=6,
                )
            )
    if draw(st.booleans()):
        doc["model"] = draw(st.sampled_from(["alpha", "alpha_prime", "beta", "beta_prime", "x"]))
    for key in ("endpoint_measures", "org_measures"):
        if draw(st.booleans()):
            doc[key] = draw(plausible_values)
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage_docs())
def test_garbage_of_any_shape_never_raises(doc):
    parsed = parse_model(doc)
    for rules in (RULES, RULES_2022):
        a = evaluate(parsed.model, rules, today=TODAY, issues=parsed.issues)
        json.dumps(a.to_dict(), ensure_ascii=False)
    assert evaluate_document(doc, RULES, today=TODAY).issues == parsed.issues
