"""The shared web proxy: one ``squid.conf`` for the whole gateway, plus its SslBump include.

Encoding of our domain patterns, exact (no approximation):

* ``meet.example.jp`` (exact host) → ``dstdomain meet.example.jp`` (no leading dot: exact);
* ``*.example.jp`` (proper subdomains only) → ``dstdomain .example.jp`` (apex *and* subdomains)
  combined with ``!`` an acl holding the apex ``example.jp``. Subdomain patterns covered by a
  broader one are dropped first (squid would warn and drop them itself), so an apex in the
  exclusion list is never a proper subdomain of another kept pattern.

``http_access`` order: unsafe ports / CONNECT to non-TLS ports denied; URL-category blocks (shared
ones for every client, an organisation's for its clients) — a block wins over an allow-list
entry; then the shared allow-list for every organisation's clients; then each organisation's
own allow-list for its clients; finally ``http_access deny all``. Clients are the prefixes of the
``client_zones`` (default: the internet segment) of each organisation's address plan.

TLS: every CONNECT is peeked at step 1 and bumped, except names exempted (``tls_exempt``
entries, matched on the SNI with the same exact encoding), which are spliced. The SslBump part
needs a squid built with OpenSSL and a CA certificate, so it lives in ``ssl_bump.conf``, pulled
in by an ``include`` line; it carries the ``http_port`` line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tsunagu.engines.policy.model import SHARED, PolicySnapshot, Section

from .common import RenderError, live_domains, parse_pattern

SQUID_CONF = "squid/squid.conf"
SSL_BUMP_CONF = "squid/ssl_bump.conf"


@dataclass(frozen=True)
class SquidOptions:
    port: int = 8080
    conf_dir: str = "/etc/squid/tsunagu"  # where squid/*.conf are installed
    ca_cert: str = "/etc/squid/tsunagu/bump-ca.pem"  # CA certificate + key for SslBump
    client_zones: tuple[str, ...] = ("internet",)
    visible_hostname: str = "proxy.security-cloud.metro.tokyo.lg.jp"
    categories: Mapping[str, Sequence[str]] | None = None  # category -> domain patterns


def _acl_name(key: str) -> str:
    return "shared" if key == SHARED else f"org_{key}"


@dataclass(frozen=True)
class _Split:
    exact: tuple[str, ...]
    sub: tuple[str, ...]  # dotted suffixes ".example.jp"
    apex: tuple[str, ...]  # the apexes to exclude


def split_patterns(patterns: Iterable[str]) -> _Split:
    exact: set[str] = set()
    subs: set[str] = set()
    for pattern in patterns:
        host, wildcard = parse_pattern(pattern)
        (subs if wildcard else exact).add(host)
    kept = sorted(s for s in subs if not any(s != o and s.endswith("." + o) for o in subs))
    # An exact host that a kept suffix already covers adds nothing (and squid would warn about
    # it only within one acl; these are separate acls, so keep them: the exact list is tiny).
    return _Split(
        exact=tuple(sorted(exact)),
        sub=tuple("." + s for s in kept),
        apex=tuple(kept),
    )


def _acl_lines(name: str, kind: str, values: Iterable[str]) -> list[str]:
    return [f"acl {name} {kind} {v}" for v in values]


def _domain_acls(base: str, split: _Split, kind: str) -> tuple[list[str], list[list[str]]]:
    """acl lines for one pattern list and the conjunctions (acl names) that match it."""
    lines: list[str] = []
    matchers: list[list[str]] = []
    if split.exact:
        lines += _acl_lines(f"{base}_exact", kind, split.exact)
        matchers.append([f"{base}_exact"])
    if split.sub:
        lines += _acl_lines(f"{base}_sub", kind, split.sub)
        lines += _acl_lines(f"{base}_apex", kind, split.apex)
        matchers.append([f"{base}_sub", f"!{base}_apex"])
    return lines, matchers


def _clients(section: Section, zones: Sequence[str]) -> list[str]:
    import ipaddress

    nets = [b.network for b in section.address_plan if b.zone in zones]
    return [str(n) for n in ipaddress.collapse_addresses(nets)]


def render_squid(
    snapshot: PolicySnapshot,
    *,
    today: dt.date | None = None,
    options: SquidOptions | None = None,
) -> str:
    """The complete ``squid.conf`` of the shared proxy (it includes ``ssl_bump.conf``)."""
    return squid_files(snapshot, today=today, options=options)[SQUID_CONF]


def render_ssl_bump(
    snapshot: PolicySnapshot,
    *,
    today: dt.date | None = None,
    options: SquidOptions | None = None,
) -> str:
    """The SslBump include (``http_port … ssl-bump``, peek, splice exemptions, bump the rest)."""
    return squid_files(snapshot, today=today, options=options)[SSL_BUMP_CONF]


def squid_files(
    snapshot: PolicySnapshot,
    *,
    today: dt.date | None = None,
    options: SquidOptions | None = None,
) -> dict[str, str]:
    """``squid/squid.conf`` and ``squid/ssl_bump.conf`` for the whole gateway.

    ``today`` drops expired domain entries (none are dropped when it is ``None``). Unknown
    URL categories raise: a block that silently blocks nothing is worse than no artifact.
    """
    opts = options or SquidOptions()
    categories = opts.categories or {}
    sections: list[tuple[str, Section]] = [
        (SHARED, snapshot.shared),
        *sorted(snapshot.orgs.items()),
    ]

    def entries(section: Section, kind: str) -> list[str]:
        items = live_domains(section, today) if today else list(section.domains)
        return [d.pattern for d in items if d.kind == kind]

    acl: list[str] = []
    access: list[str] = []
    bump_acl: list[str] = []
    splice: list[str] = []

    # Clients per organisation.
    clients: dict[str, str] = {}
    for key, section in sections:
        if key == SHARED:
            continue
        prefixes = _clients(section, opts.client_zones)
        if prefixes:
            clients[key] = f"{_acl_name(key)}_src"
            acl += _acl_lines(clients[key], "src", prefixes)
    all_prefixes = sorted(
        {p for key, s in sections if key != SHARED for p in _clients(s, opts.client_zones)}
    )
    if all_prefixes:
        acl += _acl_lines("tsunagu_clients", "src", all_prefixes)

    # URL categories.
    used = sorted({c for _, s in sections for c in s.category_blocks})
    for category in used:
        if category not in categories:
            raise RenderError(f"URL category {category!r} is not in the category map")
    cat_matchers: dict[str, list[list[str]]] = {}
    for category in used:
        split = split_patterns(categories[category])
        lines, matchers = _domain_acls(f"cat_{_safe(category)}", split, "dstdomain")
        if not matchers:
            raise RenderError(f"URL category {category!r} has no domains")
        acl += lines
        cat_matchers[category] = matchers
    for category in sorted(snapshot.shared.category_blocks):
        for m in cat_matchers[category]:
            access.append(" ".join(["http_access deny", *m]))
    for key, section in sections:
        if key == SHARED or key not in clients:
            continue
        for category in sorted(section.category_blocks - snapshot.shared.category_blocks):
            for m in cat_matchers[category]:
                access.append(" ".join(["http_access deny", clients[key], *m]))

    # Allow-lists and TLS exemptions.
    for key, section in sections:
        base = _acl_name(key)
        lines, matchers = _domain_acls(
            f"{base}_allow", split_patterns(entries(section, "allow")), "dstdomain"
        )
        acl += lines
        who = "tsunagu_clients" if key == SHARED else clients.get(key)
        if who is not None and (key != SHARED or all_prefixes):
            access += [" ".join(["http_access allow", who, *m]) for m in matchers]
        lines, matchers = _domain_acls(
            f"{base}_tls", split_patterns(entries(section, "tls_exempt")), "ssl::server_name"
        )
        bump_acl += lines
        if who is not None and (key != SHARED or all_prefixes):
            splice += [" ".join(["ssl_bump splice", who, *m]) for m in matchers]

    conf = [
        "# Tsunagu shared web proxy: generated from the gateway policy, do not edit.",
        f"# snapshot version {snapshot.version}",
        f"visible_hostname {opts.visible_hostname}",
        "",
        "acl SSL_ports port 443",
        "acl Safe_ports port 80",
        "acl Safe_ports port 443",
        "acl CONNECT method CONNECT",
        "",
        *acl,
        "",
        "http_access deny !Safe_ports",
        "http_access deny CONNECT !SSL_ports",
        *access,
        "http_access deny all",
        "",
        f"include {opts.conf_dir}/ssl_bump.conf",
        "",
        "cache deny all",
        "forwarded_for delete",
        "",
    ]
    bump = [
        "# Tsunagu SslBump (needs squid built with OpenSSL): generated, do not edit.",
        f"http_port {opts.port} ssl-bump tls-cert={opts.ca_cert} "
        "generate-host-certificates=on dynamic_cert_mem_cache_size=16MB",
        "sslcrtd_program /usr/lib/squid/security_file_certgen -s /var/lib/squid/ssl_db -M 16MB",
        "acl step1 at_step SslBump1",
        *bump_acl,
        "ssl_bump peek step1",
        *splice,
        "ssl_bump bump all",
        "",
    ]
    return {SQUID_CONF: "\n".join(conf), SSL_BUMP_CONF: "\n".join(bump)}


def _safe(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_]", "_", text)
