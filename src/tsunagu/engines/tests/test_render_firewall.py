"""Firewall rendering through Aerleon, and the Aerleon quirks our code must catch."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import replace

import pytest
from aerleon import api

from tsunagu.engines.policy.model import AddressBlock, FirewallRule, PortRange
from tsunagu.engines.render import (
    PLATFORMS,
    RenderError,
    render_all,
    render_firewall,
    render_section,
    render_section_detailed,
)
from tsunagu.engines.render.addresses import AddressResolver, complement
from tsunagu.engines.render.firewall import (
    Platform,
    build_definitions,
    build_policy,
    capture_aerleon_log,
    check_output,
    generate,
    prepare,
)
from tsunagu.engines.tests.snapshots import (
    KOGANEI,
    MUSASHINO,
    OPTIONS,
    TACHIKAWA,
    TODAY,
    small_snapshot,
)


def _add_rules(snapshot, org, *rules):
    section = snapshot.section(org)
    return snapshot.with_section(replace(section, rules=(*section.rules, *rules)))


def test_renders_three_platforms_for_every_section():
    snap = small_snapshot()
    for key, name in (("", "shared"), (MUSASHINO, MUSASHINO), (KOGANEI, KOGANEI)):
        files = render_section(snap, key, today=TODAY)
        assert {f"nftables/{name}.nft", f"paloalto/{name}.xml", f"srx/{name}.conf"} <= set(files)
        assert all(text.strip() for text in files.values())


def test_output_is_deterministic():
    snap = small_snapshot()
    first = render_all(snap, today=TODAY, options=OPTIONS)
    second = render_all(small_snapshot(), today=TODAY, options=OPTIONS)
    assert first == second


def test_nft_file_is_self_contained_per_section():
    text = render_section(small_snapshot(), MUSASHINO, today=TODAY)[f"nftables/{MUSASHINO}.nft"]
    assert f"table ip tsunagu_{MUSASHINO}\ndelete table ip tsunagu_{MUSASHINO}\n" in text
    assert "filtering_policies" not in text
    assert "policy drop;" in text


def test_addresses_resolved_with_the_owners_plan():
    text = render_section(small_snapshot(), MUSASHINO, today=TODAY)[f"nftables/{MUSASHINO}.nft"]
    asp = re.search(r"chain r-m-asp \{\n.*\n(.*)\n", text)
    assert asp is not None
    assert "ip saddr 10.3.0.0/16 ip daddr 198.51.100.0/24 tcp dport 443" in asp.group(1)
    # Tachikawa's internet zone never appears as a source in Musashino's file.
    assert "saddr 172.18.0.0/16" not in text


def test_shared_zone_references_span_every_org():
    text = render_section(small_snapshot(), "", today=TODAY)["nftables/shared.nft"]
    # zone:internet of the shared section = 172.18/16 + 172.19/16 (Koganei has none).
    assert "ip saddr 172.18.0.0/15" in text


def test_internet_is_the_exact_complement_of_all_plans():
    snap = small_snapshot()
    internet = AddressResolver(snap, MUSASHINO).internet
    plans = [b.network for s in snap.orgs.values() for b in s.address_plan]
    assert not any(i.overlaps(p) for i in internet for p in plans)
    total = sum(n.num_addresses for n in internet) + sum(
        n.num_addresses for n in ipaddress.collapse_addresses(plans)
    )
    assert total == 2**32
    assert complement([]) == (ipaddress.IPv4Network("0.0.0.0/0"),)


# --------------------------------------------------------------------------- quirk 1


def test_unknown_platform_raises():
    with pytest.raises(RenderError, match="unsupported firewall platform 'cisco-ng'"):
        render_firewall(small_snapshot(), MUSASHINO, today=TODAY, platforms=["cisco-ng"])
    with pytest.raises(RenderError, match="no firewall platform"):
        render_firewall(small_snapshot(), MUSASHINO, today=TODAY, platforms=[])


def test_aerleon_silently_skips_an_unknown_target():
    """The quirk itself: Aerleon's Generate returns nothing, no exception."""
    prepared = prepare(small_snapshot(), MUSASHINO, today=TODAY)
    doc, _ = build_policy(prepared, PLATFORMS["nftables"])
    doc["filters"][0]["header"]["targets"] = {"no-such-target": "x"}
    assert api.Generate([doc], build_definitions(prepared)) == {}  # type: ignore[list-item]


def test_platform_that_yields_nothing_raises(monkeypatch):
    fake = replace(PLATFORMS["nftables"], name="ghost", target="no-such-target")
    monkeypatch.setitem(PLATFORMS, "ghost", fake)
    with pytest.raises(RenderError, match="produced no output for ghost"):
        render_firewall(small_snapshot(), MUSASHINO, today=TODAY, platforms=["ghost"])


# --------------------------------------------------------------------------- quirk 3


def test_expired_rules_are_dropped_by_us_before_rendering():
    result = render_section_detailed(small_snapshot(), MUSASHINO, today=TODAY)
    assert result.firewall.expired == ("m-old",)
    assert "m-old" not in result.firewall.rendered
    for path, text in result.files.items():
        assert "m-old" not in text, path
    # The day before expiry + 1 it is still there (the model keeps a rule through its date).
    kept = render_section_detailed(small_snapshot(), MUSASHINO, today=dt.date(2026, 3, 1))
    assert "m-old" in kept.firewall.rendered
    assert "chain r-m-old {" in kept.files[f"nftables/{MUSASHINO}.nft"]


def test_a_term_aerleon_drops_makes_rendering_fail():
    """Give Aerleon an expiration (we never do): it drops the term silently; we notice."""
    prepared = prepare(small_snapshot(), MUSASHINO, today=TODAY)
    for name in ("nftables", "paloalto", "srx"):
        platform = PLATFORMS[name]
        doc, expected = build_policy(prepared, platform)
        doc["filters"][0]["terms"][0]["expiration"] = "2020-01-01"
        out, log = generate(doc, build_definitions(prepared), [platform.target])
        assert any("expired" in line for line in log)
        with pytest.raises(RenderError, match=r"1 term\(s\) missing.*m-web"):
            check_output(platform, out[doc["filename"] + platform.suffix], expected)


def test_check_output_needs_a_verdict_and_a_jump_for_nft():
    prepared = prepare(small_snapshot(), TACHIKAWA, today=TODAY)
    platform = PLATFORMS["nftables"]
    doc, expected = build_policy(prepared, platform)
    out, _ = generate(doc, build_definitions(prepared), [platform.target])
    text = out[doc["filename"] + ".nft"]
    check_output(platform, text, expected)
    with pytest.raises(RenderError, match="t-web"):
        check_output(platform, text.replace("jump r-t-web\n", ""), expected)
    with pytest.raises(RenderError, match="t-web"):
        check_output(platform, re.sub(r"(chain r-t-web \{\n.*\n).*accept\n", r"\1", text), expected)
    with pytest.raises(RenderError, match="no output"):
        check_output(platform, "", expected)


# --------------------------------------------------------------------------- quirk 2


def test_shaded_rules_are_reported():
    snap = _add_rules(
        small_snapshot(),
        MUSASHINO,
        FirewallRule(
            "m-deny-late", "deny", ("172.19.5.0/24",), ("internet",), ports=(PortRange(443, 443),)
        ),
        FirewallRule("m-icmp", "allow", ("zone:internet",), ("internet",), protocol="icmp"),
        FirewallRule(
            "m-not-shaded", "allow", ("zone:internet",), ("internet",), ports=(PortRange(444, 444),)
        ),
    )
    result = render_firewall(snap, MUSASHINO, today=TODAY)
    shaded = {s.uid: s for s in result.shaded}
    assert set(shaded) == {"m-web-again", "m-deny-late"}
    assert shaded["m-web-again"].covered_by == "m-web"
    assert not shaded["m-web-again"].conflicting
    assert shaded["m-deny-late"].conflicting
    codes = {(w.code, w.rule) for w in result.warnings}
    assert ("redundant", "m-web-again") in codes
    assert ("shaded", "m-deny-late") in codes
    # Reported, not removed: the device config still carries the rule.
    assert "chain r-m-deny-late {" in result.files[f"nftables/{MUSASHINO}.nft"]


def test_aerleon_shade_check_only_logs_and_agrees_with_ours():
    """The quirk: even with shade_check=True Aerleon renders and only logs the shading."""
    prepared = prepare(small_snapshot(), MUSASHINO, today=TODAY)
    doc, _ = build_policy(prepared, PLATFORMS["nftables"])
    with capture_aerleon_log() as log:
        out = api.Generate([doc], build_definitions(prepared), shade_check=True)  # type: ignore[list-item]
    assert out is not None
    assert "chain r-m-web-again {" in out[doc["filename"] + ".nft"]
    assert "r-m-web-again is shaded by r-m-web" in log
    ours = render_firewall(small_snapshot(), MUSASHINO, today=TODAY).shaded
    assert [(s.uid, s.covered_by) for s in ours] == [("m-web-again", "m-web")]


# --------------------------------------------------------------------------- quirk 4 (FQDN)


def test_fqdn_allow_rule_skipped_with_warning_except_on_srx():
    result = render_firewall(small_snapshot(), MUSASHINO, today=TODAY)
    skipped = {(w.platform, w.rule) for w in result.warnings if w.code == "fqdn_skipped"}
    assert skipped == {("nftables", "m-saas-fqdn"), ("paloalto", "m-saas-fqdn")}
    assert "r-m-saas-fqdn" not in result.files[f"nftables/{MUSASHINO}.nft"]
    assert "r-m-saas-fqdn" not in result.files[f"paloalto/{MUSASHINO}.xml"]
    srx = result.files[f"srx/{MUSASHINO}.conf"]
    assert "policy r-m-saas-fqdn {" in srx
    assert "dns-name files.example-saas.jp;" in srx


def test_fqdn_deny_rule_raises_on_platforms_without_fqdn():
    snap = _add_rules(
        small_snapshot(),
        MUSASHINO,
        FirewallRule("m-deny-fqdn", "deny", ("any",), ("fqdn:bad.example",)),
    )
    with pytest.raises(RenderError, match=r"m-deny-fqdn.*nftables.*fail open"):
        render_firewall(snap, MUSASHINO, today=TODAY)
    result = render_firewall(snap, MUSASHINO, today=TODAY, platforms=["srx"])
    assert "policy r-m-deny-fqdn {" in result.files[f"srx/{MUSASHINO}.conf"]


def test_fqdn_raise_mode():
    with pytest.raises(RenderError, match="m-saas-fqdn"):
        render_firewall(small_snapshot(), MUSASHINO, today=TODAY, fqdn="raise")


# --------------------------------------------------------------------------- other checks


def test_rule_on_an_empty_zone_matches_nothing_and_is_left_out():
    snap = _add_rules(
        small_snapshot(), KOGANEI, FirewallRule("k-web", "allow", ("zone:internet",), ("internet",))
    )
    result = render_firewall(snap, KOGANEI, today=TODAY)
    assert [(w.code, w.rule) for w in result.warnings if w.rule] == [
        ("empty_reference", "k-web"),
        ("matches_nothing", "k-web"),
    ]
    assert "k-web" not in result.files[f"nftables/{KOGANEI}.nft"]


def test_bad_references_raise():
    for bad in ("10.0.0.1/8", "zone", "fqdn:"):
        snap = _add_rules(small_snapshot(), MUSASHINO, FirewallRule("x", "allow", ("any",), (bad,)))
        with pytest.raises(RenderError):
            render_firewall(snap, MUSASHINO, today=TODAY)
    snap = _add_rules(
        small_snapshot(), MUSASHINO, FirewallRule("x", "allow", ("fqdn:a.example",), ("any",))
    )
    with pytest.raises(RenderError, match="cannot be a source"):
        render_firewall(snap, MUSASHINO, today=TODAY)


def test_odd_uids_get_safe_unique_term_names():
    snap = _add_rules(
        small_snapshot(),
        TACHIKAWA,
        FirewallRule("申請/1", "allow", ("zone:internet",), ("198.51.100.1/32",)),
        FirewallRule("申請/2", "allow", ("zone:internet",), ("198.51.100.2/32",)),
        FirewallRule("x" * 80, "allow", ("zone:internet",), ("198.51.100.3/32",)),
    )
    result = render_firewall(snap, TACHIKAWA, today=TODAY)
    assert len(result.rendered) == 4  # t-web + 3


def test_any_protocol_with_ports_means_tcp_and_udp():
    snap = _add_rules(
        small_snapshot(),
        TACHIKAWA,
        FirewallRule(
            "t-any",
            "allow",
            ("zone:internet",),
            ("198.51.100.9/32",),
            protocol="any",
            ports=(PortRange(853, 853),),
        ),
    )
    text = render_firewall(snap, TACHIKAWA, today=TODAY, platforms=["nftables"]).files[
        f"nftables/{TACHIKAWA}.nft"
    ]
    assert "tcp dport 853" in text
    assert "udp dport 853" in text


def test_address_plan_host_bits_raise():
    snap = small_snapshot()
    section = snap.orgs[TACHIKAWA]
    broken = snap.with_section(
        replace(section, address_plan=(AddressBlock("10.2.0.1/16", "lgwan"),))
    )
    with pytest.raises(ValueError, match="host bits"):
        render_firewall(broken, TACHIKAWA, today=TODAY)


def test_unknown_section_raises():
    with pytest.raises(RenderError):
        render_section(small_snapshot(), "999999", today=TODAY)
    with pytest.raises(RenderError):
        render_all(small_snapshot(), today=TODAY, only={"999999"})


def test_custom_platform_is_a_first_class_entry(monkeypatch):
    """A platform is data: adding one needs only a Platform entry (here: iptables)."""
    iptables = Platform(
        name="iptables",
        target="iptables",
        directory="iptables",
        suffix="",
        extension="ipt",
        zone_based=False,
        fqdn=False,
        term_pattern=r"^-N F_(?P<name>\S+)$",
        header=lambda _f, _t: "FORWARD DROP",
    )
    monkeypatch.setitem(PLATFORMS, "iptables", iptables)
    files = render_firewall(small_snapshot(), TACHIKAWA, today=TODAY, platforms=["iptables"]).files
    assert "-A F_r-t-web " in files[f"iptables/{TACHIKAWA}.ipt"]
