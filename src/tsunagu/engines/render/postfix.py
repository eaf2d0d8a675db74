"""Postfix lookup tables of the mail relay, one directory per section key.

``postfix/<key>/``:

* ``sender_access`` (``hash:``, ``check_sender_access``): the section's sending domains → ``OK``;
* ``relay_domains`` (``hash:``): the domains the relay accepts mail for → ``OK``;
* ``transport`` (``hash:``): domain → ``smtp:[relay]:port[, [relay2]:port]`` (Postfix ≥ 3.5
  takes a list of next hops). An organisation without relay hosts uses the shared ones;
* ``attachment_policy`` (``hash:``, ``check_recipient_access``): domain → ``FILTER`` to the
  content filter that implements the attachment policy (``sanitise`` → CDR, ``image`` →
  imaging, ``strip`` → attachment removal; ``allow`` → ``DUNNO``, no filter);
* ``header_checks`` (``regexp:``, shared key only): executable attachments rejected for
  everyone (``WARN`` only when the shared policy is ``allow``), messages over the shared size
  limit are the ``message_size_limit`` of ``main.cf`` and recorded in a comment.
"""

from __future__ import annotations

import ipaddress

from tsunagu.engines.policy.model import SHARED, MailRelay, PolicySnapshot

from .common import RenderError, parse_pattern, path_key

FILTERS = {
    "sanitise": "sanitise:[127.0.0.1]:10025",
    "image": "imaging:[127.0.0.1]:10026",
    "strip": "strip:[127.0.0.1]:10027",
}
EXECUTABLES = "ade|adp|bat|chm|cmd|com|cpl|exe|hta|iso|jar|js|jse|lnk|msi|pif|ps1|scr|vbe|vbs|wsf"


def _domain(value: str) -> str:
    host, wildcard = parse_pattern(value)
    if wildcard:
        raise RenderError(f"a mail domain cannot be a pattern: {value!r}")
    return host


def _nexthop(value: str) -> str:
    host, sep, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    if not sep:
        host, port = value, "25"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise RenderError(f"relay host must be host[:port], got {value!r}")
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        host = _domain(host)
    return f"[{host}]:{port}"


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    lines = [f"# Tsunagu {title}: generated, do not edit."]
    lines += [f"{k}\t{v}" for k, v in sorted(set(rows))]
    return "\n".join(lines) + "\n"


def render_postfix(snapshot: PolicySnapshot, org: str) -> dict[str, str]:
    """The Postfix tables of one section key (``""`` for the shared section)."""
    if org != SHARED and org not in snapshot.orgs:
        raise RenderError(f"no section {org!r} in the snapshot")
    mail: MailRelay = snapshot.section(org).mail
    shared = snapshot.shared.mail
    key = path_key(org)
    domains = sorted({_domain(d) for d in mail.sending_domains})
    hops = [_nexthop(h) for h in (mail.relay_hosts or shared.relay_hosts)]
    if mail.max_message_mb <= 0:
        raise RenderError(f"max_message_mb must be positive in section {key}")
    base = f"postfix/{key}"
    files = {
        f"{base}/sender_access": _table(f"sender_access for {key}", [(d, "OK") for d in domains]),
        f"{base}/relay_domains": _table(f"relay_domains for {key}", [(d, "OK") for d in domains]),
        f"{base}/transport": _table(
            f"transport for {key}",
            [(d, "smtp:" + ", ".join(hops)) for d in domains] if hops else [],
        ),
        f"{base}/attachment_policy": _table(
            f"attachment policy {mail.attachment_policy} (max {mail.max_message_mb} MB) for {key}",
            [
                (
                    d,
                    f"FILTER {FILTERS[mail.attachment_policy]}"
                    if mail.attachment_policy in FILTERS
                    else "DUNNO",
                )
                for d in domains
            ],
        ),
    }
    if org == SHARED:
        action = "WARN" if mail.attachment_policy == "allow" else "REJECT"
        files[f"{base}/header_checks"] = "\n".join(
            [
                "# Tsunagu header_checks (regexp): generated, do not edit.",
                f"# message_size_limit = {mail.max_message_mb * 1024 * 1024}",
                f'/^Content-(Disposition|Type):.*name\\*?=\\s*"?[^"]*\\.({EXECUTABLES})"?\\s*$/ '
                f"{action} executable attachments are not accepted",
                "",
            ]
        )
    return files
