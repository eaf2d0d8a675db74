"""The verifier on named, realistic changes: target outcomes, findings, texts and JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from tsunagu.engines.policy import (
    DomainSet,
    FlowSet,
    Verdict,
    diff_snapshots,
    load_rules,
    removal_effect,
    rule_removal_is_contained,
    synthetic_snapshot,
    verify,
    verify_policy,
)
from tsunagu.engines.policy.model import (
    Change,
    DomainEntry,
    FirewallRule,
    Intent,
    MailRelay,
    PortRange,
    apply_change,
    change_to_dict,
    snapshot_from_dict,
    snapshot_to_dict,
)
from tsunagu.engines.policy.synthetic import org_code

TODAY = dt.date(2026, 1, 15)
RULES = load_rules()
ORG = org_code(1)  # 13101, plan 10.2.0.0/16
OTHER = org_code(2)
WEB = (PortRange(443, 443),)


@pytest.fixture(scope="module")
def snap():
    return synthetic_snapshot(orgs=4, rules_per_org=120, domains=400, seed=3)


def allow(uid, srcs, dsts, protocol="tcp", ports=WEB, **kw):
    return FirewallRule(uid, "allow", tuple(srcs), tuple(dsts), protocol, ports, **kw)


def check(snap, change) -> Verdict:
    verdict = verify(snap, change, RULES, today=TODAY)
    data = verdict.to_dict()
    json.dumps(data, ensure_ascii=False)
    assert Verdict.from_dict(json.loads(json.dumps(data))) == verdict
    assert verdict.summary("ja") and verdict.summary("en")
    return verdict


# ---------------------------------------------------------------- target outcomes


def test_catalog_web_meeting_adoption_is_standard(snap):
    change = Change(
        kind="catalog_adoption",
        org=ORG,
        catalog_service="zoom",
        add_domains=(
            DomainEntry("z1", "*.zoom.us", service="zoom"),
            DomainEntry("z2", "*.zoom.com", service="zoom"),
        ),
        add_rules=(
            allow(
                "zoom-udp",
                ["zone:lgwan"],
                ["3.7.35.0/25", "13.52.6.128/25", "170.114.0.0/16"],
                "udp",
                (PortRange(8801, 8810),),
            ),
            allow("zoom-tcp", ["zone:lgwan"], ["3.7.35.0/25", "170.114.0.0/16"], "tcp", WEB),
        ),
    )
    v = check(snap, change)
    assert v.risk_class == "standard", [f.describe("en") for f in v.factors]
    assert v.blast_radius == ()
    assert not v.findings
    assert "us05web.zoom.us" in v.newly_allowed_domains
    codes = {f.code for f in v.factors}
    assert {"base", "udp", "non_web_ports", "catalog", "wildcard_domain"} <= codes


def test_allow_one_domain_is_standard(snap):
    v = check(
        snap,
        Change(kind="allow_domain", org=ORG, add_domains=(DomainEntry("n1", "meet.example.org"),)),
    )
    assert v.risk_class == "standard"
    assert v.newly_allowed_domains == DomainSet(["meet.example.org"])
    assert v.already_allowed == "no"


def test_tls_exemption_of_non_upload_service_is_normal(snap):
    v = check(
        snap,
        Change(
            kind="tls_exemption",
            org=ORG,
            add_domains=(DomainEntry("t1", "*.webex.com", kind="tls_exempt"),),
        ),
    )
    assert v.risk_class == "normal"
    assert v.newly_tls_exempt == DomainSet(["*.webex.com"])
    assert not v.newly_allowed_domains


def test_inbound_publication_with_waf_is_major(snap):
    rule = allow("pub1", ["internet"], ["10.2.192.10/32"], direction="inbound", controls=("waf",))
    v = check(snap, Change(kind="inbound_publication", org=ORG, add_rules=(rule,)))
    assert v.risk_class == "major"
    assert not v.findings


def test_inbound_publication_without_waf_is_rejected(snap):
    rule = allow("pub2", ["internet"], ["10.2.192.11/32"], direction="inbound")
    v = check(snap, Change(kind="inbound_publication", org=ORG, add_rules=(rule,)))
    assert v.risk_class == "rejected"
    assert "inbound_without_waf" in v.finding_codes()


@pytest.mark.parametrize("pattern", ["*.com", "*.co.jp", "*.lg.jp", "*.go.jp"])
def test_public_suffix_wildcards_are_rejected(snap, pattern):
    v = check(snap, Change(kind="allow_domain", org=ORG, add_domains=(DomainEntry("w", pattern),)))
    assert v.risk_class == "rejected"
    (finding,) = v.reject_findings
    assert finding.code == "domain_too_broad"
    assert "公開サフィックス" in finding.message("ja")
    assert finding.fix("en")


def test_mynumber_to_internet_is_rejected_even_when_shadowed(snap):
    # the shared section denies mynumber -> any first, so the rule has no effect today; it is
    # refused anyway (a later removal of the shared deny would open it)
    rule = allow("mn1", ["zone:mynumber"], ["internet"])
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    assert v.newly_permitted.is_empty()
    assert v.risk_class == "rejected"
    assert "mynumber_internet" in v.finding_codes()


def test_mynumber_to_internet_when_effective(snap):
    rule = allow("mn2", ["zone:mynumber"], ["203.0.113.0/24"])
    shared = snap.shared
    bare = snap.with_section(dataclasses.replace(shared, rules=()))
    v = check(bare, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    assert v.newly_permitted
    assert v.risk_class == "rejected"
    text = v.summary("ja")
    assert "却下" in text and "マイナンバー" in text


def test_specific_communication_needs_control_and_endpoint(snap):
    bare = snap.with_section(dataclasses.replace(snap.shared, rules=()))
    ok = allow(
        "sc1",
        ["zone:mynumber"],
        ["fqdn:www.eltax.lta.go.jp"],
        controls=("specific_communication",),
    )
    assert (
        "mynumber_internet"
        not in check(
            bare, Change(kind="firewall_outbound", org=ORG, add_rules=(ok,))
        ).finding_codes()
    )
    no_control = dataclasses.replace(ok, uid="sc2", controls=())
    assert (
        "mynumber_internet"
        in check(
            bare, Change(kind="firewall_outbound", org=ORG, add_rules=(no_control,))
        ).finding_codes()
    )
    wrong_endpoint = dataclasses.replace(ok, uid="sc3", destinations=("fqdn:www.example.com",))
    assert (
        "mynumber_internet"
        in check(
            bare, Change(kind="firewall_outbound", org=ORG, add_rules=(wrong_endpoint,))
        ).finding_codes()
    )


def test_relay_path_is_found(snap):
    bare = snap.with_section(dataclasses.replace(snap.shared, rules=()))
    first = allow("relay-in", ["zone:mynumber"], ["10.2.192.5/32"], ports=(PortRange(22, 22),))
    bare = apply_change(bare, Change(kind="firewall_outbound", org=ORG, add_rules=(first,)))
    second = allow("relay-out", ["10.2.192.5/32"], ["203.0.113.0/24"])
    v = check(bare, Change(kind="firewall_outbound", org=ORG, add_rules=(second,)))
    assert v.risk_class == "rejected"
    assert any(f.code == "mynumber_internet" and "via" in f.params for f in v.findings)
    both = apply_change(bare, Change(kind="firewall_outbound", org=ORG, add_rules=(second,)))
    assert not any(f.code == "mynumber_internet" for f in verify_policy(bare, RULES, today=TODAY))
    assert any(f.code == "mynumber_internet" for f in verify_policy(both, RULES, today=TODAY))


def test_internet_to_lgwan_needs_sanitisation(snap):
    rule = allow("in-lg", ["zone:internet"], ["zone:lgwan"], direction="internal")
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    assert "internet_to_lgwan_unsanitised" in v.finding_codes()
    ok = dataclasses.replace(rule, uid="in-lg2", controls=("sanitisation",))
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(ok,)))
    assert "internet_to_lgwan_unsanitised" not in v.finding_codes()


def test_high_risk_port_to_internet_is_rejected(snap):
    rule = allow("rdp", ["zone:internet"], ["198.51.100.7/32"], ports=(PortRange(3389, 3389),))
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    assert "high_risk_port" in v.finding_codes()


# ---------------------------------------------------------------- collateral / already allowed


def test_collateral_of_a_wider_prefix(snap):
    rule = allow("c1", ["zone:internet"], ["203.0.113.0/26"])
    intent = Intent(flows=((("zone:internet",), ("203.0.113.32-203.0.113.63",), "tcp", WEB),))
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,), intent=intent))
    assert v.collateral.to_list() == [
        {
            "sources": ["10.2.128.0/18"],
            "destinations": ["203.0.113.0/27"],
            "protocols": ["tcp"],
            "ports": ["443"],
        }
    ]
    assert "collateral" in {f.code for f in v.factors}


def test_collateral_of_a_wider_domain_pattern(snap):
    change = Change(
        kind="allow_domain",
        org=ORG,
        add_domains=(DomainEntry("p1", "*.example.com"),),
        intent=Intent(hosts=("meet.example.com",)),
    )
    v = check(snap, change)
    # *.example.com minus what is already allowed, minus what was asked for
    assert v.collateral_domains == v.newly_allowed_domains - DomainSet(["meet.example.com"])
    assert "meet.example.com" not in v.collateral_domains
    assert "other.example.com" in v.collateral_domains


def test_already_allowed_rule_is_a_no_op(snap):
    existing = next(
        r for r in snap.orgs[ORG].rules if r.action == "allow" and r.direction == "outbound"
    )
    dup = dataclasses.replace(existing, uid="dup")
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(dup,)))
    assert v.newly_permitted.is_empty()
    assert v.already_allowed in ("fully", "partly")
    if v.already_allowed == "fully":
        assert v.score == 0 and v.risk_class == "standard"
        assert f"{ORG}:{existing.uid}" in v.already_allowed_rules


def test_already_allowed_domain(snap):
    entry = next(d for d in snap.orgs[ORG].domains if d.kind == "allow")
    v = check(
        snap,
        Change(kind="allow_domain", org=ORG, add_domains=(DomainEntry("again", entry.pattern),)),
    )
    assert v.already_allowed == "fully"
    assert entry.uid in v.already_allowed_domains
    assert v.newly_allowed_domains.is_empty()


# ---------------------------------------------------------------- other findings


def test_blast_radius_of_an_org_rule(snap):
    rule = allow("br", ["any"], ["203.0.113.9/32"])
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    assert v.risk_class == "rejected"
    assert {"outside_own_plan", "blast_radius"} <= v.finding_codes()
    assert OTHER in v.blast_radius and ORG not in v.blast_radius


def test_org_deny_with_wide_source_changes_other_orgs(snap):
    # a deny in one org's section takes away what the later organisations' rules permit (the
    # organisations before it in the gateway order keep their decisions)
    rule = FirewallRule("deny-any", "deny", ("any",), ("any",), "any")
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,), insert_at=0))
    assert "outside_own_plan" in v.finding_codes()
    assert v.newly_denied
    assert set(v.blast_radius) == {code for code in snap.orgs if code > ORG}


def test_shared_change_is_escalated(snap):
    rule = allow("s-new", ["zone:internet"], ["198.51.100.0/24"])
    v = check(snap, Change(kind="firewall_outbound", org="", add_rules=(rule,)))
    assert v.risk_class == "major"
    assert "shared_change" in v.finding_codes()
    assert set(v.blast_radius) == set(snap.orgs)


def test_tls_exemption_of_upload_service_is_rejected(snap):
    for entry in (
        DomainEntry("u1", "*.dropbox.com", kind="tls_exempt"),
        DomainEntry("u2", "files.example.net", kind="tls_exempt", upload_capable=True),
    ):
        v = check(snap, Change(kind="tls_exemption", org=ORG, add_domains=(entry,)))
        assert "tls_exempt_upload" in v.finding_codes()
        assert v.risk_class == "rejected"


def test_upload_capable_allow_is_normal(snap):
    v = check(
        snap,
        Change(
            kind="allow_domain",
            org=ORG,
            add_domains=(DomainEntry("u3", "app.box.com", upload_capable=True),),
        ),
    )
    assert v.risk_class == "normal"


def test_mail_attachment_bypass_is_rejected(snap):
    v = check(snap, Change(kind="mail_relay", org=ORG, mail=MailRelay(attachment_policy="allow")))
    assert "attachment_bypass" in v.finding_codes()
    v = check(
        snap,
        Change(
            kind="mail_relay",
            org=ORG,
            mail=MailRelay(
                sending_domains=("city.example.lg.jp",), relay_hosts=("mx.example.jp:25",)
            ),
        ),
    )
    assert v.risk_class in ("standard", "normal")


def test_temporary_rules_need_an_expiry(snap):
    rule = allow("tmp", ["zone:internet"], ["198.51.100.0/28"])
    v = check(snap, Change(kind="temporary_rule", org=ORG, add_rules=(rule,)))
    assert "temporary_without_expiry" in v.finding_codes()
    ok = dataclasses.replace(rule, expires=TODAY + dt.timedelta(days=30))
    v = check(snap, Change(kind="temporary_rule", org=ORG, add_rules=(ok,)))
    assert v.risk_class == "standard"
    assert "temporary" in {f.code for f in v.factors}
    old = dataclasses.replace(rule, expires=TODAY - dt.timedelta(days=1))
    v = check(snap, Change(kind="temporary_rule", org=ORG, add_rules=(old,)))
    assert "expired_item" in v.finding_codes()


def test_bad_input_becomes_findings_not_exceptions(snap):
    bad = Change(
        kind="firewall_outbound",
        org=ORG,
        add_rules=(
            allow("b1", ["zone:nowhere"], ["10.0.0.1/24"]),
            allow("b2", ["zone:internet"], ["300.1.1.1/32", "fqdn:bad_host-.jp"]),
            allow("b3", ["fqdn:x.example.jp"], ["203.0.113.0/24"]),
        ),
        remove_rules=("no-such-rule",),
    )
    v = check(snap, bad)
    assert v.risk_class == "rejected"
    assert {
        "unknown_zone",
        "host_bits_set",
        "invalid_address",
        "invalid_domain",
        "fqdn_source",
        "unknown_rule",
    } <= v.finding_codes()
    data = change_to_dict(Change(kind="firewall_outbound", org=ORG))
    data["add_rules"] = [
        {
            "uid": "p",
            "action": "allow",
            "sources": ["any"],
            "destinations": ["any"],
            "ports": ["70000"],
        }
    ]
    v = verify(snap, data, RULES, today=TODAY)
    assert v.risk_class == "rejected" and v.finding_codes() == {"invalid_input"}
    v = verify(snap, Change(kind="allow_domain", org="99999"), RULES, today=TODAY)
    assert v.finding_codes() == {"unknown_org"}


# ---------------------------------------------------------------- whole policy, removal, diff


def test_synthetic_policy_is_clean(snap):
    assert verify_policy(snap, RULES, today=TODAY) == ()
    data = snapshot_to_dict(snap)
    assert snapshot_from_dict(json.loads(json.dumps(data))) == snap


def test_verify_policy_finds_injected_problems(snap):
    bad_rule = allow("bad", ["zone:mynumber"], ["any"], protocol="any", ports=())
    section = snap.orgs[ORG]
    broken = snap.with_section(
        dataclasses.replace(
            section,
            rules=(bad_rule, *section.rules),
            domains=(*section.domains, DomainEntry("broad", "*.co.jp")),
        )
    )
    broken = broken.with_section(dataclasses.replace(broken.shared, rules=()))
    codes = {f.code for f in verify_policy(broken, RULES, today=TODAY)}
    assert {"mynumber_internet", "mynumber_lgwan", "domain_too_broad"} <= codes


def test_removal_of_an_allow_is_contained(snap):
    rule = next(r for r in snap.orgs[ORG].rules if r.action == "allow")
    assert rule_removal_is_contained(snap, ORG, rule.uid)
    effect = removal_effect(snap, ORG, rule.uid)
    assert effect.newly_permitted.is_empty()


def test_removal_of_a_deny_is_not_contained(snap):
    # a deny in front of a wider allow: removing it permits traffic
    deny = FirewallRule("d-front", "deny", ("zone:internet",), ("198.51.100.0/28",), "tcp", WEB)
    wide = allow("a-behind", ["zone:internet"], ["198.51.100.0/24"])
    s2 = apply_change(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(deny, wide)))
    assert not rule_removal_is_contained(s2, ORG, "d-front")
    v = check(s2, Change(kind="rule_removal", org=ORG, remove_rules=("d-front",)))
    assert "removes_deny" in v.finding_codes()
    assert v.risk_class == "major"


def test_diff_matches_the_verdict(snap):
    rule = allow("diff1", ["zone:internet"], ["198.51.100.0/26"])
    change = Change(
        kind="firewall_outbound",
        org=ORG,
        add_rules=(rule,),
        add_domains=(DomainEntry("dd", "new.example.org"),),
    )
    v = check(snap, change)
    new = apply_change(snap, change)
    d = diff_snapshots(snap, new)
    assert d.changed_sections == (ORG,)
    (section,) = d.sections
    assert section.rules_added == ("diff1",) and section.domains_added == ("dd",)
    assert d.permitted_added == {ORG: v.newly_permitted}
    assert not d.permitted_removed
    assert d.domains_added == {ORG: DomainSet(["new.example.org"])}
    back = diff_snapshots(new, snap)
    assert back.permitted_removed == {ORG: v.newly_permitted}


def test_flowset_json_round_trip_in_verdict(snap):
    rule = allow("j1", ["zone:internet"], ["fqdn:meet.example.com", "198.51.100.0/25"])
    v = check(snap, Change(kind="firewall_outbound", org=ORG, add_rules=(rule,)))
    dests = v.to_dict()["newly_permitted"][0]["destinations"]
    assert "fqdn:meet.example.com" in dests
    assert isinstance(v.newly_permitted, FlowSet)
