"""The model editor's form: rows of zones, systems, terminals and flows ⇄ the document.

The form is plain HTML (works without JavaScript): each row's fields are named
``<section>-<n>-<field>``; multi-valued fields (authentication factors, controls) are
checkbox groups. :func:`document_from_post` keeps every value as typed — the draft must never
lose input — and drops only rows left completely empty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

SECTIONS: dict[str, tuple[str, ...]] = {
    "zones": ("id", "kind", "label", "auth"),
    "systems": ("id", "name", "category", "zone"),
    "terminals": ("id", "zone", "role", "count", "location", "auth"),
    "flows": (
        "id",
        "src",
        "dst",
        "kind",
        "controls",
        "destinations",
        "tenant",
        "bidirectional",
        "note",
    ),
}
MULTI = {"auth", "controls"}
CHECK = {"tenant", "bidirectional"}
MAX_ROWS = 500
_ROW = re.compile(r"^(zones|systems|terminals|flows)-(\d{1,4})-([a-z_]+)$")


def document_from_post(post: QueryDict) -> dict[str, Any]:
    """The document as typed (strings kept; empty rows and deleted rows dropped)."""
    rows: dict[str, dict[int, dict[str, Any]]] = {s: {} for s in SECTIONS}
    for key in post:
        m = _ROW.match(key)
        if not m:
            continue
        section, idx, field = m.group(1), int(m.group(2)), m.group(3)
        if idx >= MAX_ROWS or (field not in SECTIONS[section] and field != "delete"):
            continue
        row = rows[section].setdefault(idx, {})
        if field in MULTI:
            row[field] = [v for v in post.getlist(key) if v]
        elif field in CHECK or field == "delete":
            row[field] = True
        else:
            row[field] = post.get(key, "")
    doc: dict[str, Any] = {
        "model": post.get("model", ""),
        "endpoint_measures": [v for v in post.getlist("endpoint_measures") if v],
        "org_measures": [v for v in post.getlist("org_measures") if v],
    }
    for section, by_index in rows.items():
        out = []
        for _i, row in sorted(by_index.items()):
            if row.pop("delete", False):
                continue
            if not any(v for k, v in row.items() if k not in CHECK):
                continue
            if section == "flows":
                out.append(_flow_doc(row))
            else:
                out.append(row)
        doc[section] = out
    return doc


def _flow_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    tenant = bool(row.get("tenant"))
    lines = [ln.strip() for ln in str(row.get("destinations", "")).splitlines() if ln.strip()]
    return {
        "id": row.get("id", ""),
        "src": row.get("src", ""),
        "dst": row.get("dst", ""),
        "kind": row.get("kind", ""),
        "controls": list(row.get("controls") or []),
        "destinations": [{"pattern": ln, "tenant_restriction": tenant} for ln in lines],
        "bidirectional": bool(row.get("bidirectional")),
        "note": row.get("note", ""),
    }


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def rows_of(doc: Mapping[str, Any], *, blank: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Editor rows from a document (stored or draft), plus ``blank`` empty rows per section."""
    blank = blank or {}
    out: dict[str, Any] = {}
    for section in SECTIONS:
        raw = doc.get(section) if isinstance(doc, Mapping) else None
        items = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
        rows = []
        for r in items:
            row = {f: r.get(f, "") for f in SECTIONS[section] if f not in MULTI | CHECK}
            for f in MULTI & set(SECTIONS[section]):
                row[f] = _list(r.get(f))
            if section == "flows":
                dests = r.get("destinations") or []
                pats = [
                    str(d.get("pattern", "")) if isinstance(d, Mapping) else str(d) for d in dests
                ]
                row["destinations"] = "\n".join(p for p in pats if p)
                row["tenant"] = bool(dests) and all(
                    isinstance(d, Mapping) and d.get("tenant_restriction") for d in dests
                )
                row["bidirectional"] = bool(r.get("bidirectional"))
            rows.append(row)
        for _ in range(blank.get(section, 0)):
            row = {f: "" for f in SECTIONS[section] if f not in MULTI | CHECK}
            for f in MULTI & set(SECTIONS[section]):
                row[f] = []
            if section == "flows":
                row["tenant"] = False
                row["bidirectional"] = False
            rows.append(row)
        out[section] = rows
    out["model"] = str(doc.get("model", "")) if isinstance(doc, Mapping) else ""
    out["endpoint_measures"] = _list(doc.get("endpoint_measures")) if doc else []
    out["org_measures"] = _list(doc.get("org_measures")) if doc else []
    return out
