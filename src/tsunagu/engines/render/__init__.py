"""Gateway artifact renderers (pure: no Django, no subprocess, no file I/O).

Layout of the artifact tree (relative paths, one device group per directory; the shared
section's key in paths is ``shared``):

* ``nftables/<key>.nft``, ``paloalto/<key>.xml``, ``srx/<key>.conf`` — firewall, via Aerleon;
* ``squid/squid.conf`` + ``squid/ssl_bump.conf`` — the whole shared proxy (key :data:`PROXY_KEY`);
* ``pac/<org>.pac`` — per organisation;
* ``postfix/<key>/{sender_access,relay_domains,transport,attachment_policy}`` and
  ``postfix/shared/header_checks``.

Aerleon is not trusted blindly: see :mod:`.firewall` for the four quirks we check.
"""

from .aclcheck import AclCheckPolicy, FlowVerdict, aclcheck_flow, aclcheck_once, prepare_aclcheck
from .bundle import (
    PROXY_KEY,
    RENDERER_VERSION,
    RenderOptions,
    changed_keys,
    fingerprint,
    fingerprints,
    live_section,
    merge,
    render_all,
    render_proxy,
    render_section,
    render_section_detailed,
    section_fingerprint,
)
from .common import (
    SHARED_PATH_KEY,
    FirewallRender,
    RenderError,
    RenderWarning,
    SectionRender,
    ShadedRule,
    path_key,
)
from .firewall import DEFAULT_PLATFORMS, DEFAULT_ZONES, PLATFORMS, Platform, render_firewall
from .pac import DEFAULT_PROXY, PacOptions, render_pac
from .postfix import render_postfix
from .squid import SquidOptions, render_squid, render_ssl_bump, squid_files

__all__ = [
    "DEFAULT_PLATFORMS",
    "DEFAULT_PROXY",
    "DEFAULT_ZONES",
    "PLATFORMS",
    "PROXY_KEY",
    "RENDERER_VERSION",
    "SHARED_PATH_KEY",
    "AclCheckPolicy",
    "FirewallRender",
    "FlowVerdict",
    "PacOptions",
    "Platform",
    "RenderError",
    "RenderOptions",
    "RenderWarning",
    "SectionRender",
    "ShadedRule",
    "SquidOptions",
    "aclcheck_flow",
    "aclcheck_once",
    "changed_keys",
    "fingerprint",
    "fingerprints",
    "live_section",
    "merge",
    "path_key",
    "prepare_aclcheck",
    "render_all",
    "render_firewall",
    "render_pac",
    "render_postfix",
    "render_proxy",
    "render_section",
    "render_section_detailed",
    "render_squid",
    "render_ssl_bump",
    "section_fingerprint",
    "squid_files",
]
