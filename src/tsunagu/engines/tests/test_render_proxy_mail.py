"""Squid, PAC, Postfix rendering, fingerprints and the AclCheck helper (pure parts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from tsunagu.engines.policy.model import AddressBlock, DomainEntry, FirewallRule, MailRelay
from tsunagu.engines.render import (
    PROXY_KEY,
    PacOptions,
    RenderError,
    RenderOptions,
    SquidOptions,
    aclcheck_flow,
    changed_keys,
    fingerprint,
    fingerprints,
    prepare_aclcheck,
    render_all,
    render_pac,
    render_postfix,
    render_squid,
    render_ssl_bump,
)
from tsunagu.engines.render.squid import split_patterns
from tsunagu.engines.tests.snapshots import (
    CATEGORIES,
    KOGANEI,
    MUSASHINO,
    OPTIONS,
    TACHIKAWA,
    TODAY,
    small_snapshot,
)


def _squid(snap=None, **kw):
    return render_squid(
        snap or small_snapshot(), today=TODAY, options=SquidOptions(categories=CATEGORIES, **kw)
    )


# --------------------------------------------------------------------------- squid


def test_squid_encodes_exact_hosts_and_proper_subdomains_exactly():
    conf = _squid()
    assert "acl org_132039_allow_exact dstdomain meet.example.jp" in conf
    assert "acl org_132039_allow_sub dstdomain .example-saas.jp" in conf
    # *.example-saas.jp must not match the apex: the apex acl is negated.
    assert "acl org_132039_allow_apex dstdomain example-saas.jp" in conf
    assert "http_access allow org_132039_src org_132039_allow_sub !org_132039_allow_apex" in conf
    # ...but Musashino also allows the apex explicitly, through the exact list.
    assert "acl org_132039_allow_exact dstdomain example-saas.jp" in conf
    # *.sub.example-saas.jp is covered by *.example-saas.jp and dropped.
    assert "sub.example-saas.jp" not in conf


def test_split_patterns_never_excludes_a_covered_apex():
    split = split_patterns(["*.a.example", "*.b.a.example", "x.example"])
    assert split.sub == (".a.example",)
    assert split.apex == ("a.example",)  # not b.a.example, which *.a.example allows
    assert split.exact == ("x.example",)
    with pytest.raises(RenderError):
        split_patterns(["*.*.example"])
    with pytest.raises(RenderError):
        split_patterns(["exa mple.jp"])


def test_squid_order_and_final_deny():
    lines = [line for line in _squid().splitlines() if line.startswith("http_access")]
    assert lines[-1] == "http_access deny all"
    first_allow = next(i for i, line in enumerate(lines) if line.startswith("http_access allow"))
    blocks = [i for i, line in enumerate(lines) if " cat_" in line]
    assert blocks and max(blocks) < first_allow  # category blocks win over allow-lists
    assert "http_access deny cat_malware_exact" in lines  # shared block: everyone
    assert "http_access deny org_132039_src cat_gambling_exact" in lines  # Musashino only
    assert "http_access allow tsunagu_clients shared_allow_exact" in lines


def test_squid_clients_are_the_internet_zone():
    conf = _squid()
    assert "acl org_132039_src src 172.19.0.0/16" in conf
    assert "10.3.0.0/16" not in conf  # lgwan does not browse
    assert f"org_{KOGANEI}_src" not in conf  # no internet zone: no client acl (no empty acl)
    lgwan_too = _squid(client_zones=("internet", "lgwan"))
    assert "acl org_132039_src src 10.3.0.0/16" in lgwan_too


def test_squid_drops_expired_entries_and_is_deterministic():
    conf = _squid()
    assert "old.example.jp" not in conf
    assert conf == _squid()
    assert "old.example.jp" in render_squid(
        small_snapshot(), today=dt.date(2025, 12, 1), options=SquidOptions(categories=CATEGORIES)
    )


def test_squid_unknown_category_raises():
    with pytest.raises(RenderError, match="gambling"):
        render_squid(
            small_snapshot(),
            today=TODAY,
            options=SquidOptions(categories={"malware": ["evil.example"]}),
        )


def test_ssl_bump_splices_exempt_names_only():
    bump = render_ssl_bump(
        small_snapshot(), today=TODAY, options=SquidOptions(categories=CATEGORIES)
    )
    assert "acl org_132039_tls_sub ssl::server_name .bank.example.jp" in bump
    assert "ssl_bump splice org_132039_src org_132039_tls_sub !org_132039_tls_apex" in bump
    lines = bump.splitlines()
    assert lines.index("ssl_bump peek step1") < lines.index("ssl_bump bump all")
    assert lines[-1] == "ssl_bump bump all" or lines[-2] == "ssl_bump bump all"
    assert "include /etc/squid/tsunagu/ssl_bump.conf" in _squid()


# --------------------------------------------------------------------------- PAC


def test_pac_sends_internal_direct_and_everything_else_to_the_proxy():
    pac = render_pac(small_snapshot(), MUSASHINO)
    assert 'var proxy = "PROXY proxy.security-cloud.metro.tokyo.lg.jp:8080";' in pac
    assert 'isInNet(h, "10.3.0.0", "255.255.0.0")' in pac
    assert 'isInNet(h, "192.168.3.0", "255.255.255.0")' in pac
    assert "10.2.0.0" not in pac  # another organisation's plan
    assert 'dnsDomainIs(h, ".lg.jp")' in pac
    assert "dnsResolve" not in pac
    assert pac.rstrip().endswith("return proxy;\n}")
    assert 'DIRECT"; }\n  }\n  return proxy;' in pac  # no DIRECT fallback after the proxy


def test_pac_parameters():
    pac = render_pac(
        small_snapshot(),
        TACHIKAWA,
        options=PacOptions(
            proxies=("p1.example.jp:3128", "p2.example.jp:3128"), internal_domains=("lgwan.jp",)
        ),
    )
    assert '"PROXY p1.example.jp:3128; PROXY p2.example.jp:3128"' in pac
    assert ".lgwan.jp" in pac
    assert ".lg.jp" not in pac
    with pytest.raises(RenderError):
        render_pac(small_snapshot(), TACHIKAWA, options=PacOptions(proxies=("nohostport",)))
    with pytest.raises(RenderError):
        render_pac(small_snapshot(), "")


# --------------------------------------------------------------------------- postfix


def test_postfix_maps():
    files = render_postfix(small_snapshot(), MUSASHINO)
    assert files[f"postfix/{MUSASHINO}/sender_access"].splitlines()[1] == "city.musashino.lg.jp\tOK"
    assert "city.musashino.lg.jp\tsmtp:[10.3.0.25]:25" in files[f"postfix/{MUSASHINO}/transport"]
    assert "FILTER imaging:" in files[f"postfix/{MUSASHINO}/attachment_policy"]
    # Tachikawa has no relay host of its own: the shared ones, in order.
    tachikawa = render_postfix(small_snapshot(), TACHIKAWA)
    assert (
        "city.tachikawa.lg.jp\tsmtp:[relay1.security-cloud.metro.tokyo.lg.jp]:25, "
        "[relay2.security-cloud.metro.tokyo.lg.jp]:587"
    ) in tachikawa[f"postfix/{TACHIKAWA}/transport"]
    assert "FILTER strip:" in tachikawa[f"postfix/{TACHIKAWA}/attachment_policy"]
    shared = render_postfix(small_snapshot(), "")
    assert "REJECT executable" in shared["postfix/shared/header_checks"]


def test_postfix_rejects_bad_values():
    snap = small_snapshot()
    bad = snap.with_section(
        replace(snap.orgs[TACHIKAWA], mail=MailRelay(sending_domains=("*.x.jp",)))
    )
    with pytest.raises(RenderError):
        render_postfix(bad, TACHIKAWA)
    bad = snap.with_section(
        replace(snap.orgs[TACHIKAWA], mail=MailRelay(relay_hosts=("relay:99999",)))
    )
    with pytest.raises(RenderError):
        render_postfix(bad, TACHIKAWA)


# --------------------------------------------------------------------------- incremental


def test_fingerprint_of_a_section_is_stable_and_content_based():
    snap = small_snapshot()
    section = snap.orgs[MUSASHINO]
    assert fingerprint(section) == fingerprint(small_snapshot().orgs[MUSASHINO])
    assert len(fingerprint(section)) == 64
    assert fingerprint(replace(section, category_blocks=frozenset())) != fingerprint(section)


def test_section_fingerprints_follow_dependencies():
    snap = small_snapshot()
    before = fingerprints(snap, today=TODAY, options=OPTIONS)
    assert set(before) == {"", MUSASHINO, TACHIKAWA, KOGANEI, PROXY_KEY}

    # A rule change in Tachikawa: Tachikawa only (the proxy does not render rules... but it
    # hashes whole live sections, conservatively).
    t = snap.orgs[TACHIKAWA]
    changed = snap.with_section(
        replace(
            t,
            rules=(
                *t.rules,
                FirewallRule("t-x", "allow", ("zone:internet",), ("198.51.100.7/32",)),
            ),
        )
    )
    keys = changed_keys(before, fingerprints(changed, today=TODAY, options=OPTIONS))
    assert keys == {TACHIKAWA, PROXY_KEY}

    # An address plan change in Koganei changes "internet" for everybody.
    k = snap.orgs[KOGANEI]
    replanned = snap.with_section(
        replace(k, address_plan=(*k.address_plan, AddressBlock("203.0.113.0/24", "internet")))
    )
    assert changed_keys(before, fingerprints(replanned, today=TODAY, options=OPTIONS)) == set(
        before
    )

    # A shared change reaches every organisation (shared relay hosts are their fallback).
    s = snap.shared
    shared_changed = snap.with_section(
        replace(s, domains=(*s.domains, DomainEntry("sd-9", "new.example.jp")))
    )
    assert changed_keys(before, fingerprints(shared_changed, today=TODAY, options=OPTIONS)) == set(
        before
    )

    # Options are part of it too.
    other = RenderOptions(squid=SquidOptions(categories=CATEGORIES), platforms=("nftables",))
    assert changed_keys(before, fingerprints(snap, today=TODAY, options=other)) == set(before)


def test_fingerprint_changes_when_something_expires_not_every_day():
    snap = small_snapshot()
    day1 = fingerprints(snap, today=dt.date(2026, 4, 1), options=OPTIONS)
    day2 = fingerprints(snap, today=dt.date(2026, 4, 2), options=OPTIONS)
    assert day1 == day2
    # m-old expires 2026-03-01: it is live on 03-01 and gone on 03-02.
    a = fingerprints(snap, today=dt.date(2026, 3, 1), options=OPTIONS)
    b = fingerprints(snap, today=dt.date(2026, 3, 2), options=OPTIONS)
    assert changed_keys(a, b) == {MUSASHINO, PROXY_KEY}


def test_render_all_only_and_no_path_collisions():
    snap = small_snapshot()
    everything = render_all(snap, today=TODAY, options=OPTIONS)
    assert set(everything) == {"", MUSASHINO, TACHIKAWA, KOGANEI, PROXY_KEY}
    paths = [p for files in everything.values() for p in files]
    assert len(paths) == len(set(paths))
    assert set(everything[PROXY_KEY]) == {"squid/squid.conf", "squid/ssl_bump.conf"}
    assert "postfix/shared/header_checks" in everything[""]
    assert f"pac/{MUSASHINO}.pac" in everything[MUSASHINO]
    some = render_all(snap, today=TODAY, only={TACHIKAWA}, options=OPTIONS)
    assert some == {TACHIKAWA: everything[TACHIKAWA]}


# --------------------------------------------------------------------------- AclCheck


def test_aclcheck_helper():
    prepared = prepare_aclcheck(small_snapshot(), MUSASHINO, today=TODAY)
    web = aclcheck_flow(prepared, "172.19.4.5", "8.8.8.8", "tcp", 443)
    assert (web.action, web.rule) == ("allow", "m-web")
    meet = aclcheck_flow(prepared, "172.19.4.5", "8.8.8.8", "udp", 3479)
    assert (meet.action, meet.rule) == ("allow", "m-meet-udp")
    ssh = aclcheck_flow(prepared, "172.19.4.5", "203.0.113.9", "tcp", 22)  # m-old expired
    assert (ssh.action, ssh.rule) == ("deny", "")
    lgwan_web = aclcheck_flow(prepared, "10.3.1.1", "8.8.8.8", "tcp", 443)
    assert lgwan_web.action == "deny"
    to_other_org = aclcheck_flow(prepared, "172.19.4.5", "172.18.0.1", "tcp", 443)  # not "internet"
    assert to_other_org.action == "deny"
