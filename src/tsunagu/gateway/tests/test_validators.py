"""Rendered gateway artifacts checked by the real tools (nft, squid, postmap, node).

These tests touch no model and need no database (no ``db`` fixture): pytest-django blocks
database access for them. A missing tool is a failure, not a skip — ``make system-deps``
installs nftables, squid and postfix — except node (PAC syntax), which is optional, and the
SslBump include, which needs a squid built with OpenSSL.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tsunagu.engines.render import merge, render_all
from tsunagu.engines.tests.snapshots import MUSASHINO, OPTIONS, TODAY, small_snapshot
from tsunagu.gateway import validators
from tsunagu.gateway.validators import (
    squid_supports_ssl_bump,
    validate_artifacts,
    validate_nft,
    validate_pac,
    validate_postmap,
    validate_squid,
)

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
needs_ssl_squid = pytest.mark.skipif(
    not squid_supports_ssl_bump(),
    reason="squid without OpenSSL (install squid-openssl or set TSUNAGU_SQUID)",
)


@pytest.fixture(scope="module")
def files():
    return merge(render_all(small_snapshot(), today=TODAY, options=OPTIONS).values())


def test_every_rendered_artifact_passes_the_real_tools(files):
    results = validate_artifacts(files)
    by_path = {r.path: r for r in results}
    # One result per file (ssl_bump.conf is validated with squid.conf but reported on its own).
    assert set(by_path) == set(files)
    for result in results:
        if result.path == "squid/ssl_bump.conf" and not squid_supports_ssl_bump():
            assert result.skipped, str(result)
            continue
        if result.path.endswith(".pac") and shutil.which("node") is None:
            assert result.skipped
            continue
        assert result.ok, str(result)
        assert not result.skipped
    assert {r.tool for r in results} >= {"nft", "squid", "postmap"}


@needs_ssl_squid
def test_ssl_bump_include_is_checked_with_a_throwaway_certificate(files):
    results = validate_squid(files["squid/squid.conf"], files["squid/ssl_bump.conf"])
    assert [r.ok for r in results] == [True, True], "\n".join(map(str, results))


# --------------------------------------------------------------------------- negative


def test_nft_validator_fails_on_a_broken_file(files):
    good = files[f"nftables/{MUSASHINO}.nft"]
    assert validate_nft(good).ok
    broken = good.replace("ct state new accept", "ct state nwe accept", 1)
    result = validate_nft(broken, "nftables/broken.nft")
    assert not result.ok
    assert result.exit_code == 1
    assert any("nwe" in line or "Error" in line for line in result.errors)
    assert "nftables/broken.nft" in " ".join(result.errors)


def test_squid_validator_fails_on_a_broken_file(files):
    conf = files["squid/squid.conf"]
    [result] = validate_squid(conf.replace("http_access deny all", "http_access deny nosuchacl"))
    assert not result.ok
    assert result.exit_code == 1
    assert any("nosuchacl" in line for line in result.errors)
    # An unknown directive, and an empty acl (squid only warns: we still fail).
    [result] = validate_squid(conf + "\nno_such_directive on\n")
    assert not result.ok
    [result] = validate_squid(
        conf.replace(
            "http_access deny all", "acl empty src\nhttp_access deny empty\nhttp_access deny all"
        )
    )
    assert not result.ok
    assert any("empty ACL" in line for line in result.errors)


@needs_ssl_squid
def test_squid_validator_fails_on_a_broken_ssl_bump_include(files):
    broken = files["squid/ssl_bump.conf"].replace("ssl_bump bump all", "ssl_bump explode all")
    results = validate_squid(files["squid/squid.conf"], broken)
    assert not any(r.ok for r in results)


def test_postmap_validator_fails_on_broken_tables(files):
    maps = {p: t for p, t in files.items() if p.startswith("postfix/")}
    assert all(r.ok for r in validate_postmap(maps))
    results = validate_postmap(
        {
            "postfix/x/sender_access": "example.jp OK\nkey-without-value\n",
            "postfix/shared/header_checks": "/^Subject: (unclosed/ REJECT\n",
        }
    )
    assert [r.ok for r in results] == [False, False]
    assert any("expected format" in line for line in results[1].errors)
    assert any("Unmatched" in line or "regexp" in line for line in results[0].errors)


@needs_node
def test_pac_validator(files):
    assert validate_pac(files[f"pac/{MUSASHINO}.pac"]).ok
    result = validate_pac(files[f"pac/{MUSASHINO}.pac"].replace("return proxy;", "return proxy;;}"))
    assert not result.ok
    assert result.errors


@needs_node
def test_pac_decisions_in_node(files):
    """Run FindProxyForURL with the standard PAC helpers stubbed as browsers define them."""
    pac = files[f"pac/{MUSASHINO}.pac"]
    harness = """
function isPlainHostName(h) { return h.indexOf('.') < 0; }
function dnsDomainIs(h, d) { return h.length >= d.length && h.substring(h.length - d.length) === d; }
function ip(s) { return s.split('.').reduce(function (a, o) { return a * 256 + Number(o); }, 0); }
function isInNet(h, p, m) { var x = ip(h), n = ip(p), k = ip(m);
  return Math.floor(x / 1) - (x % 1) >= 0 && (x - (x % (4294967296 - k))) === n; }
var hosts = ["intranet", "www.city.musashino.lg.jp", "10.3.4.5", "10.2.4.5",
             "192.168.3.9", "meet.example.jp", "8.8.8.8", "example-saas.jp."];
console.log(JSON.stringify(hosts.map(function (h) { return FindProxyForURL("https://" + h + "/", h); })));
"""
    node = shutil.which("node")
    assert node is not None
    out = subprocess.run(  # noqa: S603 - our own generated PAC and harness
        [node, "-e", pac + harness], capture_output=True, text=True, timeout=30, check=True
    )
    proxy = "PROXY proxy.security-cloud.metro.tokyo.lg.jp:8080"
    assert json.loads(out.stdout) == [
        "DIRECT",
        "DIRECT",
        "DIRECT",
        proxy,  # Tachikawa's LGWAN is not Musashino's internal network
        "DIRECT",
        proxy,
        proxy,
        proxy,
    ]


# --------------------------------------------------------------------------- missing tools


def test_missing_tool_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(validators, "_which", _raise_missing)
    result = validate_nft("table ip t {}\n")
    assert not result.ok
    assert "nftables" in result.errors[0]
    assert "make system-deps" in result.errors[0]
    [squid, bump] = validate_squid("http_access deny all\n", "")
    assert not squid.ok and not bump.ok
    [postmap] = validate_postmap({"postfix/x/transport": ""})
    assert not postmap.ok and "postfix" in postmap.errors[0]
    pac = validate_pac("function FindProxyForURL(u, h) { return 'DIRECT'; }")
    assert pac.skipped and not pac.ok


def _raise_missing(tool: str) -> str:
    raise validators.ToolMissing(
        f"{tool} is not installed: install the Debian package "
        f"{validators.PACKAGES.get(tool, tool)} (make system-deps)"
    )


def test_unknown_or_orphan_artifacts_are_not_silently_accepted():
    [result] = validate_artifacts({"mystery/x.bin": "?"})
    assert not result.ok
    [result] = validate_artifacts({"squid/ssl_bump.conf": "ssl_bump bump all\n"})
    assert not result.ok
