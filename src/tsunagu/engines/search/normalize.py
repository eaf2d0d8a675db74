"""Search normalisation: one function for documents and queries, stable under substrings.

A search finds a query in a document when the normalised query is a substring of the normalised
document. For that never to miss, normalising a piece of a text must give a piece of the
normalised text: ``normalize_text(t[i:j])`` is a substring of ``normalize_text(t)`` for every
``i < j`` that do not cut a character in two (see *units* below). Word-level analysis cannot
promise that (SudachiPy's ``normalized_form`` turns 話し into 話す and depends on the words
around), so the index uses only character folds, each applied to one *unit* at a time:

* A unit is a base character with the marks that follow it (combining marks, variation
  selectors, the half-width voiced marks ﾞ ﾟ). ｶﾞ and ガ are one unit each and fold alike; a
  query never cuts a unit because nobody types half a character.
* Each unit: NFKC (full-width ASCII → ASCII, half-width katakana → full-width, ㈱ → (株)),
  lower case, then per character: the prolonged sound mark ー, the middle dot ・, invisible
  format characters (zero-width space, soft hyphen, joiners) and variation selectors are
  dropped; small katakana vowels and ヵヶ become full size (ウィルス = ウイルス, 霞ヶ関 = 霞ケ関);
  every dash becomes ``-`` and the wave dashes ``~``; a few name-kanji variants fold (髙 → 高);
  control characters and every kind of white space become one space.
* Runs of spaces collapse to one space (a run in a query is part of a run in the document, so
  this stays substring-stable).

Dropping every ー is what makes サーバ = サーバー, コンピュータ = コンピューター and
インタフェース = インターフェース match, the variants SudachiPy's normalised form joins (the
tests check our folds against SudachiPy's on such words). The price: ビル also finds ビール.

:func:`normalize` also returns, for every normalised character, the span of the original text
it came from, so hits can be highlighted in the text as written; a dropped unit widens the span
of the character before it (the ー of サーバー is highlighted with its バ).
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Bump when the folds change: stored normalised text of an older version must be rebuilt.
NORMALIZATION_VERSION = 1

_HALF_WIDTH_VOICED = "\uff9e\uff9f"
_DROP = frozenset(
    "\u30fc"  # ー prolonged sound mark (half-width ｰ becomes it under NFKC)
    "\u30fb"  # ・ katakana middle dot (half-width ･ too)
)
_FOLD = {
    # small katakana vowels and ヵヶ
    "ァ": "ア",
    "ィ": "イ",
    "ゥ": "ウ",
    "ェ": "エ",
    "ォ": "オ",
    "ヵ": "カ",
    "ヶ": "ケ",
    # dashes and minus signs (－ is already "-" after NFKC)
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2500": "-",
    # wave dashes (～ is already "~" after NFKC)
    "\u301c": "~",
    "\u3030": "~",
    # name-kanji variants common in place and person names
    "髙": "高",
    "﨑": "崎",
    "邊": "辺",
    "邉": "辺",
    "濵": "浜",
    "濱": "浜",
    "桒": "桑",
    "𠮷": "吉",
}


@functools.cache
def _unit_pattern() -> re.Pattern[str]:
    """A base character followed by its marks, or marks with no base (at the start)."""
    ranges: list[str] = []
    start: int | None = None
    for cp in range(sys.maxunicode + 2):
        is_mark = cp <= sys.maxunicode and (
            unicodedata.category(chr(cp))[0] == "M" or chr(cp) in _HALF_WIDTH_VOICED
        )
        if is_mark and start is None:
            start = cp
        elif not is_mark and start is not None:
            end = cp - 1
            ranges.append(
                re.escape(chr(start)) + ("-" + re.escape(chr(end)) if end > start else "")
            )
            start = None
    marks = "[" + "".join(ranges) + "]"
    return re.compile(f"{marks}+|[^{marks[1:-1]}]{marks}*", re.DOTALL)


@functools.cache
def _mark_pattern() -> re.Pattern[str]:
    """Any mark (a character that continues a unit)."""
    pattern = _unit_pattern().pattern
    return re.compile(pattern[: pattern.index("]+|") + 1])


def _fold_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    folded = _FOLD.get(ch)
    if folded is not None:
        return folded
    if ch.isspace():
        return " "
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return " "
    if cat == "Cs":
        return "\ufffd"
    if cat == "Cf" or _is_selector(ch):
        return ""
    return ch


def _is_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D


_UNIT_CACHE: dict[str, str] = {}
_UNIT_CACHE_MAX = 200_000


def fold_unit(unit: str) -> str:
    """The normalised form of one unit (a base character and its marks); may be empty."""
    out = _UNIT_CACHE.get(unit)
    if out is None:
        if any("\ud800" <= c <= "\udfff" for c in unit):
            unit = "\ufffd"  # a lone surrogate cannot be stored in a database
        nfkc = unicodedata.normalize("NFKC", unit).lower()
        out = "".join(_fold_char(c) for c in nfkc)
        if len(_UNIT_CACHE) < _UNIT_CACHE_MAX:
            _UNIT_CACHE[unit] = out
    return out


_SPACES = re.compile(" {2,}")


def units(text: str) -> list[str]:
    """``text`` cut into units (a base character with its marks)."""
    return _unit_pattern().findall(text)


def is_unit_start(text: str, index: int) -> bool:
    """Whether a unit starts at ``index`` (0 and ``len(text)`` always are boundaries)."""
    if index <= 0 or index >= len(text):
        return True
    ch = text[index]
    return not (unicodedata.category(ch)[0] == "M" or ch in _HALF_WIDTH_VOICED)


def normalize_text(text: str) -> str:
    """The normalised search text of ``text`` (see the module docstring)."""
    folded = "".join([fold_unit(u) for u in _unit_pattern().findall(text)])
    return _SPACES.sub(" ", folded) if "  " in folded else folded


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, for each of its characters, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind ``text[start:end]`` (``start < end``)."""
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> Normalized:
    """:func:`normalize_text` with the offset map back to ``text``."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if _mark_pattern().search(text) is None:
        # Fast path (most text): every character is a unit of its own.
        spans: Iterable[tuple[int, int, str]] = ((i, i + 1, c) for i, c in enumerate(text))
    else:
        spans = ((m.start(), m.end(), m.group()) for m in _unit_pattern().finditer(text))
    cache = _UNIT_CACHE
    for a, b, unit in spans:
        folded = cache.get(unit)
        if folded is None:
            folded = fold_unit(unit)
        if folded == unit and len(unit) == 1 and unit != " ":
            chars.append(unit)
            starts.append(a)
            ends.append(b)
            continue
        if not folded:
            if chars:
                ends[-1] = b
            continue
        for ch in folded:
            if ch == " " and chars and chars[-1] == " ":
                ends[-1] = b
                continue
            chars.append(ch)
            starts.append(a)
            ends.append(b)
    return Normalized(text, "".join(chars), tuple(starts), tuple(ends))


def safe_prefix_end(text: str, limit: int) -> int:
    """The largest cut ``<= limit`` that does not split a unit: normalising ``text[:cut]`` then
    gives a prefix of the normalised text."""
    cut = min(max(limit, 0), len(text))
    while 0 < cut < len(text) and not is_unit_start(text, cut):
        cut -= 1
    return cut
