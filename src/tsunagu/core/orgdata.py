"""The 63 organisations' reference facts, shipped as ``data/tokyo_municipalities.csv``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "tokyo_municipalities.csv"
KINDS = {"都", "区", "市", "町", "村"}
REGIONS = {"都", "特別区", "多摩", "島しょ"}


@dataclass(frozen=True)
class OrgRow:
    code: str
    name: str
    name_kana: str
    name_en: str
    slug: str
    kind: str
    region: str


def check_digit(first5: str) -> int:
    """The sixth digit of a local government code (JIS X 0401/0402 check digit)."""
    total = sum(int(d) * w for d, w in zip(first5, (6, 5, 4, 3, 2), strict=True))
    # 11 - remainder, where 10 becomes 0 and 11 becomes 1.
    return (11 - total % 11) % 10


def valid_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and check_digit(code[:5]) == int(code[5])


def load_rows(path: Path = DATA_FILE) -> list[OrgRow]:
    """Read and validate the file; a bad row raises ValueError naming the line."""
    rows: list[OrgRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, rec in enumerate(csv.DictReader(fh), start=2):
            row = OrgRow(**{k: (v or "").strip() for k, v in rec.items()})
            if not valid_code(row.code):
                raise ValueError(f"line {lineno}: bad local government code {row.code!r}")
            if row.kind not in KINDS or row.region not in REGIONS:
                raise ValueError(f"line {lineno}: bad kind/region {row.kind!r}/{row.region!r}")
            if not row.name or not row.name_kana or not row.slug:
                raise ValueError(f"line {lineno}: missing name, kana or slug")
            rows.append(row)
    return rows
