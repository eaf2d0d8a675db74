"""The audit hash chain.

Each entry stores the hash of its predecessor and its own hash over a canonical encoding of its
content. Changing any stored field changes that entry's hash; deleting an entry leaves a gap in
the sequence and a ``prev_hash`` that no longer matches; deleting the newest entries is caught
by comparing with the chain head, which records the last sequence number and hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

GENESIS_HASH = "0" * 64

FaultKind = Literal["altered", "broken_link", "missing", "head_mismatch", "out_of_order"]


@dataclass(frozen=True, slots=True)
class ChainRecord:
    """One stored entry as read back from storage."""

    seq: int
    content: Mapping[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainFault:
    seq: int
    kind: FaultKind
    detail: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    faults: tuple[ChainFault, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.faults


def canonical(content: Mapping[str, object]) -> bytes:
    """Deterministic bytes for a content mapping (sorted keys, no insignificant spaces)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(prev_hash: str, seq: int, content: Mapping[str, object]) -> str:
    """The hash of an entry: SHA-256 over the previous hash, the sequence and the content."""
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(b"\x1f")
    h.update(str(seq).encode("ascii"))
    h.update(b"\x1f")
    h.update(canonical(content))
    return h.hexdigest()


def verify(
    records: Iterable[ChainRecord],
    *,
    head_seq: int | None,
    head_hash: str | None,
) -> ChainReport:
    """Check a chain read in ascending ``seq`` order against its head.

    Returns every fault found, not just the first, so an investigator sees the whole damage.
    """
    faults: list[ChainFault] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    last_seq = 0
    last_hash = GENESIS_HASH
    for rec in records:
        checked += 1
        if rec.seq < expected_seq:
            faults.append(ChainFault(rec.seq, "out_of_order", f"seq {rec.seq} after {last_seq}"))
            continue
        if rec.seq > expected_seq:
            faults.append(
                ChainFault(
                    expected_seq,
                    "missing",
                    f"entries {expected_seq}..{rec.seq - 1} are missing",
                )
            )
        if rec.prev_hash != prev_hash:
            faults.append(
                ChainFault(rec.seq, "broken_link", "prev_hash does not match the previous entry")
            )
        if digest(rec.prev_hash, rec.seq, rec.content) != rec.hash:
            faults.append(ChainFault(rec.seq, "altered", "content does not match its hash"))
        prev_hash = rec.hash
        expected_seq = rec.seq + 1
        last_seq = rec.seq
        last_hash = rec.hash
    if head_seq is not None and (head_seq != last_seq or head_hash != last_hash):
        faults.append(
            ChainFault(
                head_seq,
                "head_mismatch",
                f"chain head says entry {head_seq}, the last stored entry is {last_seq}",
            )
        )
    return ChainReport(checked=checked, faults=tuple(faults))
