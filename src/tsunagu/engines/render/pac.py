"""Proxy auto-configuration (PAC) file of one organisation.

What the PAC is for here: every web request of the organisation's terminals must leave through
the shared proxy, which alone decides (allow-lists, categories, TLS inspection). So the PAC does
not repeat the allow-list — an allow-listed host and any other host both go to the proxy, and
the proxy refuses what is not allowed. The PAC only keeps *internal* traffic away from the
proxy: plain host names, IP literals inside the organisation's own address plan, and names under
the configured internal domains (LGWAN names). There is deliberately no ``DIRECT`` fallback after
the proxy: a proxy outage must not turn into unfiltered browsing.

No DNS lookups (``dnsResolve``/``isResolvable``): they block the browser and leak names; IP
literals are tested with ``isInNet`` only when the host already is one.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

from tsunagu.engines.policy.model import SHARED, PolicySnapshot

from .common import RenderError, parse_pattern

DEFAULT_PROXY = "proxy.security-cloud.metro.tokyo.lg.jp:8080"


@dataclass(frozen=True)
class PacOptions:
    proxies: tuple[str, ...] = (DEFAULT_PROXY,)  # "host:port", tried in order
    internal_domains: tuple[str, ...] = ("lg.jp",)  # suffixes sent DIRECT (apex included)
    internal_zones: tuple[str, ...] | None = None  # None: every zone of the org's plan


def render_pac(snapshot: PolicySnapshot, org: str, *, options: PacOptions | None = None) -> str:
    opts = options or PacOptions()
    if org == SHARED or org not in snapshot.orgs:
        raise RenderError(f"a PAC file is per organisation; no organisation {org!r}")
    if not opts.proxies:
        raise RenderError("a PAC file needs at least one proxy")
    for proxy in opts.proxies:
        host, _, port = proxy.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise RenderError(f"proxy must be host:port, got {proxy!r}")
        parse_pattern(host)
    plan = snapshot.orgs[org].address_plan
    nets = ipaddress.collapse_addresses(
        b.network for b in plan if opts.internal_zones is None or b.zone in opts.internal_zones
    )
    domains = sorted({parse_pattern(d)[0] for d in opts.internal_domains})
    proxy = json.dumps("; ".join(f"PROXY {p}" for p in opts.proxies))
    lines = [
        f"// Tsunagu PAC for organisation {org}: generated from the gateway policy, do not edit.",
        "// Everything that is not internal goes to the shared proxy, which enforces the",
        "// allow-list; there is intentionally no DIRECT fallback.",
        "function FindProxyForURL(url, host) {",
        f"  var proxy = {proxy};",
        "  var h = String(host).toLowerCase();",
        '  if (h.charAt(h.length - 1) === ".") { h = h.substring(0, h.length - 1); }',
        '  if (isPlainHostName(h)) { return "DIRECT"; }',
    ]
    for d in domains:
        apex, dotted = json.dumps(d), json.dumps("." + d)
        lines.append(f'  if (h === {apex} || dnsDomainIs(h, {dotted})) {{ return "DIRECT"; }}')
    lines.append(r"  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) {")
    for net in nets:
        lines.append(
            f'    if (isInNet(h, "{net.network_address}", "{net.netmask}")) {{ return "DIRECT"; }}'
        )
    lines += ["  }", "  return proxy;", "}", ""]
    return "\n".join(lines)


def pac_proxies(value: Sequence[str]) -> PacOptions:
    return PacOptions(proxies=tuple(value))
