"""Reading harmonisation items from a CSV file (UTF-8, with or without BOM, or Shift_JIS as
Excel writes it). The rows go to :func:`services.items_import`, which checks every row.

Columns (English or Japanese headers): ``working_group`` (WG番号), ``title`` (件名),
``requirement_id`` (要件ID), ``requirement_class`` (要件区分), ``package_behaviour``
(パッケージ標準), ``due_on`` (期限), ``blocking`` (稼働阻害), ``cost_impact_yen`` (費用影響),
``ordinance_change`` (条例改正), ``impact_note`` (影響メモ), ``note`` (備考), and one
``practice_<code>`` (現行運用_<code>) column per member for its current practice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.core.errors import ValidationFailed
from tsunagu.core.permissions import Actor

from . import services
from .models import JointUseGroup

MAX_BYTES = 2 * 1024 * 1024

HEADERS: Mapping[str, str] = {
    "working_group": "working_group",
    "wg": "working_group",
    "wg番号": "working_group",
    "ワーキンググループ": "working_group",
    "title": "title",
    "件名": "title",
    "requirement_id": "requirement_id",
    "要件id": "requirement_id",
    "requirement_class": "requirement_class",
    "要件区分": "requirement_class",
    "package_behaviour": "package_behaviour",
    "パッケージ標準": "package_behaviour",
    "due_on": "due_on",
    "期限": "due_on",
    "blocking": "blocking",
    "稼働阻害": "blocking",
    "cost_impact_yen": "cost_impact_yen",
    "費用影響": "cost_impact_yen",
    "ordinance_change": "ordinance_change",
    "条例改正": "ordinance_change",
    "impact_note": "impact_note",
    "影響メモ": "impact_note",
    "note": "note",
    "備考": "note",
}
CLASS_WORDS: Mapping[str, str] = {
    "必須": "mandatory",
    "必須機能": "mandatory",
    "標準オプション": "option",
    "標準オプション機能": "option",
    "実装不可": "not_allowed",
    "実装不可機能": "not_allowed",
    "なし": "",
}
PRACTICE_PREFIXES = ("practice_", "現行運用_", "現行運用:")
TEMPLATE_HEADER = [
    "working_group",
    "title",
    "requirement_id",
    "requirement_class",
    "package_behaviour",
    "due_on",
    "blocking",
    "cost_impact_yen",
    "ordinance_change",
    "impact_note",
    "note",
]


def decode(content: bytes) -> str:
    """UTF-8 (BOM optional), else Shift_JIS (cp932) as Japanese Excel saves CSV."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("cp932")
        except UnicodeDecodeError:
            raise ValidationFailed(
                _("The file is neither UTF-8 nor Shift_JIS text. Save it as CSV and try again."),
                code="import_not_text",
            ) from None


def parse(
    content: bytes,
) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, str]], list[dict[str, Any]]]:
    """Rows ``(line, fields)``, each row's practices per organisation code, and header errors."""
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="import_too_large",
        )
    text = decode(content)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed(_("The file is empty."), code="import_empty") from None
    except csv.Error:
        raise ValidationFailed(_("The file is not valid CSV."), code="import_not_csv") from None
    columns: list[tuple[str, str]] = []  # (kind, key): kind "field" / "practice" / "unknown"
    header_errors: list[dict[str, Any]] = []
    for raw in header:
        name = raw.strip()
        key = HEADERS.get(name.lower())
        if key is not None:
            columns.append(("field", key))
            continue
        prefix = next((p for p in PRACTICE_PREFIXES if name.startswith(p)), None)
        if prefix is not None:
            columns.append(("practice", name[len(prefix) :].strip()))
            continue
        columns.append(("unknown", name))
        if name:
            header_errors.append(
                {"line": 1, "field": name, "message": _("Unknown column; it is ignored.")}
            )
    if ("field", "title") not in columns or ("field", "working_group") not in columns:
        raise ValidationFailed(
            _("The first line must name the columns, with at least working_group and title."),
            code="import_header",
            details={"expected": TEMPLATE_HEADER},
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    practices: list[dict[str, str]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            fields: dict[str, Any] = {}
            prac: dict[str, str] = {}
            for (kind, key), value in zip(columns, values, strict=False):
                if kind == "field":
                    fields[key] = value.strip()
                elif kind == "practice":
                    prac[key] = value.strip()
            cls = str(fields.get("requirement_class", ""))
            fields["requirement_class"] = CLASS_WORDS.get(cls, cls)
            rows.append((line, fields))
            practices.append(prac)
    except csv.Error as exc:
        raise ValidationFailed(
            _("The file is not valid CSV."), code="import_not_csv", details={"error": str(exc)}
        ) from None
    return rows, practices, header_errors


def import_csv(
    *,
    actor: Actor,
    group: JointUseGroup,
    content: bytes,
    partial: bool = False,
    dry_run: bool = False,
) -> services.ImportReport:
    """Parse and import (see :func:`services.items_import` for the rules)."""
    rows, practices, header_errors = parse(content)
    if not rows:
        raise ValidationFailed(_("The file has no rows below the header."), code="import_empty")
    codes = {m.organization.code for m in services.parties(group)}
    for code in sorted({c for p in practices for c in p} - codes):
        header_errors.append(
            {
                "line": 1,
                "field": f"practice_{code}",
                "message": _("%(code)s is not a member of this group; the column is ignored.")
                % {"code": code},
            }
        )
    report = services.items_import(
        actor=actor,
        group=group,
        rows=rows,
        practices=practices,
        partial=partial,
        dry_run=dry_run,
    )
    # Column warnings are reported, but do not block the import by themselves.
    report.errors = [*header_errors, *report.errors]
    return report


def template_csv() -> str:
    """An empty template with the expected header (UTF-8 with BOM for Excel)."""
    buf = io.StringIO()
    csv.writer(buf).writerow(TEMPLATE_HEADER)
    return "\ufeff" + buf.getvalue()
