"""Every artifact of a snapshot, per section key, with fingerprints for incremental rendering.

What each section key's artifacts depend on (and so what its fingerprint covers):

* an organisation (``"132039"``): its firewall rules, address plan, mail settings (its own
  section); every address plan (``internet`` is the complement of all of them); the shared
  section (shared relay hosts are its fallback; conservative for the rest); the renderer
  options; :data:`RENDERER_VERSION`.
* the shared section (``""``): the shared section and every address plan (shared ``zone:``
  references resolve in every organisation's plan); options; version.
* :data:`PROXY_KEY` (``"*"``, the files ``squid/*.conf``): every section's domain entries,
  category blocks and address plans — in practice the whole snapshot.

Expiry enters as the set of rules/entries still live on ``today`` (not ``today`` itself), so a
fingerprint changes on the day something expires, not every day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tsunagu.engines.policy.model import (
    SHARED,
    Direction,
    PolicySnapshot,
    Section,
    section_to_dict,
)

from .common import RenderError, SectionRender, is_expired, path_key
from .firewall import DEFAULT_PLATFORMS, DEFAULT_ZONES, FqdnMode, render_firewall
from .pac import PacOptions, render_pac
from .postfix import render_postfix
from .squid import SquidOptions, squid_files

RENDERER_VERSION = "render-1"
PROXY_KEY = "*"
"""Pseudo section key of the whole-gateway proxy configuration (``squid/``)."""


@dataclass(frozen=True)
class RenderOptions:
    platforms: tuple[str, ...] = DEFAULT_PLATFORMS
    zones: Mapping[Direction, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_ZONES))
    fqdn: FqdnMode = "skip"
    pac: PacOptions = field(default_factory=PacOptions)
    squid: SquidOptions = field(default_factory=SquidOptions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platforms": list(self.platforms),
            "zones": {k: list(v) for k, v in sorted(self.zones.items())},
            "fqdn": self.fqdn,
            "pac": {
                "proxies": list(self.pac.proxies),
                "internal_domains": list(self.pac.internal_domains),
                "internal_zones": None
                if self.pac.internal_zones is None
                else list(self.pac.internal_zones),
            },
            "squid": {
                "port": self.squid.port,
                "conf_dir": self.squid.conf_dir,
                "ca_cert": self.squid.ca_cert,
                "client_zones": list(self.squid.client_zones),
                "visible_hostname": self.squid.visible_hostname,
                "categories": {
                    k: sorted(v) for k, v in sorted((self.squid.categories or {}).items())
                },
            },
        }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def fingerprint(section: Section) -> str:
    """sha256 of the canonical JSON of one section (:func:`section_to_dict`)."""
    return hashlib.sha256(_canonical(section_to_dict(section))).hexdigest()


def live_section(section: Section, today: dt.date) -> Section:
    """The section as rendered on ``today``: expired rules and domain entries removed."""
    return replace(
        section,
        rules=tuple(r for r in section.rules if not is_expired(r.expires, today)),
        post_rules=tuple(r for r in section.post_rules if not is_expired(r.expires, today)),
        domains=tuple(d for d in section.domains if not is_expired(d.expires, today)),
    )


def _plans(snapshot: PolicySnapshot) -> list[Any]:
    return [
        [key, [[b.prefix, b.zone] for b in s.address_plan]]
        for key, s in [(SHARED, snapshot.shared), *sorted(snapshot.orgs.items())]
    ]


def section_fingerprint(
    snapshot: PolicySnapshot, key: str, *, today: dt.date, options: RenderOptions | None = None
) -> str:
    """The fingerprint of everything ``key``'s artifacts depend on (see module docstring)."""
    opts = options or RenderOptions()
    doc: dict[str, Any] = {"renderer": RENDERER_VERSION, "options": opts.to_dict(), "key": key}
    if key == PROXY_KEY:
        doc["sections"] = [
            fingerprint(live_section(s, today))
            for s in [snapshot.shared, *(snapshot.orgs[c] for c in sorted(snapshot.orgs))]
        ]
    else:
        doc["plans"] = _plans(snapshot)
        doc["shared"] = fingerprint(live_section(snapshot.shared, today))
        if key != SHARED:
            if key not in snapshot.orgs:
                raise RenderError(f"no section {key!r} in the snapshot")
            doc["own"] = fingerprint(live_section(snapshot.orgs[key], today))
    return hashlib.sha256(_canonical(doc)).hexdigest()


def fingerprints(
    snapshot: PolicySnapshot, *, today: dt.date, options: RenderOptions | None = None
) -> dict[str, str]:
    """Fingerprint of every key: ``""``, each organisation, and :data:`PROXY_KEY`."""
    keys = [SHARED, *sorted(snapshot.orgs), PROXY_KEY]
    return {k: section_fingerprint(snapshot, k, today=today, options=options) for k in keys}


def changed_keys(old: Mapping[str, str], new: Mapping[str, str]) -> set[str]:
    """Keys whose fingerprint differs (or that are new): what :func:`render_all` must redo."""
    return {k for k, v in new.items() if old.get(k) != v}


def render_section_detailed(
    snapshot: PolicySnapshot, org_key: str, *, today: dt.date, options: RenderOptions | None = None
) -> SectionRender:
    """The artifacts of one section key (``""`` shared, an org code) with the firewall findings
    (shaded rules, skipped FQDN rules, expired rules dropped, Aerleon's log)."""
    opts = options or RenderOptions()
    fw = render_firewall(
        snapshot, org_key, today=today, platforms=opts.platforms, zones=opts.zones, fqdn=opts.fqdn
    )
    files = dict(fw.files)
    files.update(render_postfix(snapshot, org_key))
    if org_key != SHARED:
        files[f"pac/{path_key(org_key)}.pac"] = render_pac(snapshot, org_key, options=opts.pac)
    return SectionRender(
        section=org_key,
        files=dict(sorted(files.items())),
        fingerprint=section_fingerprint(snapshot, org_key, today=today, options=opts),
        firewall=fw,
    )


def render_section(
    snapshot: PolicySnapshot, org_key: str, *, today: dt.date, options: RenderOptions | None = None
) -> dict[str, str]:
    """Relative path → content of one section key's artifacts (firewalls, PAC, Postfix)."""
    return render_section_detailed(snapshot, org_key, today=today, options=options).files


def render_proxy(
    snapshot: PolicySnapshot, *, today: dt.date, options: RenderOptions | None = None
) -> dict[str, str]:
    """The whole-gateway proxy files (``squid/squid.conf``, ``squid/ssl_bump.conf``)."""
    opts = options or RenderOptions()
    return squid_files(snapshot, today=today, options=opts.squid)


def render_all(
    snapshot: PolicySnapshot,
    *,
    today: dt.date,
    only: set[str] | None = None,
    options: RenderOptions | None = None,
) -> dict[str, dict[str, str]]:
    """Section key → files, for every key or the keys in ``only`` (``""`` shared, org codes,
    :data:`PROXY_KEY` for ``squid/``). Paths never collide across keys, so merging the inner
    dicts gives the whole artifact tree."""
    keys: Sequence[str] = [SHARED, *sorted(snapshot.orgs), PROXY_KEY]
    if only is not None:
        unknown = only - set(keys)
        if unknown:
            raise RenderError(f"unknown section keys: {', '.join(sorted(unknown))}")
        keys = [k for k in keys if k in only]
    out: dict[str, dict[str, str]] = {}
    for key in keys:
        if key == PROXY_KEY:
            out[key] = render_proxy(snapshot, today=today, options=options)
        else:
            out[key] = render_section(snapshot, key, today=today, options=options)
    return out


def merge(parts: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Merge per-key file maps into one path → content map (paths must not collide)."""
    out: dict[str, str] = {}
    for part in parts:
        for path, text in part.items():
            if path in out:
                raise RenderError(f"two sections render {path}")
            out[path] = text
    return dict(sorted(out.items()))
