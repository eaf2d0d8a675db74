"""Highlighting hits in the text as written, and a snippet around the first one.

Matching happens on normalised text; :class:`~.normalize.Normalized` maps every normalised
character back to the original span it came from, so the marked pieces are exactly the
original characters behind each occurrence (ｻｰﾊﾞ is marked whole for the query サーバー).
Segments always concatenate back to the original text: nothing is lost, added or reordered,
and escaping is left to the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .normalize import Normalized, normalize, safe_prefix_end

Segment = tuple[str, bool]  # (text, is_match)


def match_spans(norm: Normalized, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Original spans of every occurrence of every term (overlapping ones merged), in order."""
    spans: list[tuple[int, int]] = []
    text = norm.text
    for term in terms:
        if not term:
            continue
        start = text.find(term)
        while start != -1:
            spans.append(norm.original_span(start, start + len(term)))
            start = text.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _segments(original: str, spans: list[tuple[int, int]]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for a, b in spans:
        if a > pos:
            out.append((original[pos:a], False))
        out.append((original[a:b], True))
        pos = b
    if pos < len(original):
        out.append((original[pos:], False))
    return out


def highlight(
    original: str,
    norm: Normalized | None,
    terms: Sequence[str],
    *,
    norm_text: str | None = None,
) -> list[Segment]:
    """``original`` cut into ``(text, is_match)`` segments for the normalised ``terms``.

    ``norm`` is ``normalize(original)`` when the caller has it already (else it is computed);
    ``norm_text``, the stored normalised text, spares the work when no term occurs.
    """
    if norm_text is not None and not any(t and t in norm_text for t in terms):
        return [(original, False)] if original else []
    if norm is None or norm.original != original:
        norm = normalize(original)
    return _segments(original, match_spans(norm, terms))


@dataclass(frozen=True)
class Snippet:
    """A window of a long text around its first hit, highlighted; ``before``/``after`` tell
    whether text was cut at either end (show an ellipsis)."""

    segments: tuple[Segment, ...]
    before: bool
    after: bool

    @property
    def text(self) -> str:
        return "".join(s for s, _ in self.segments)


def _first_hit(original: str, terms: Sequence[str]) -> int | None:
    """Original offset of the earliest occurrence of any term, normalising a growing prefix
    (a hit is usually early; a 30,000-character body is normalised whole only when needed)."""
    limit = 1024
    while True:
        cut = safe_prefix_end(original, limit) if limit < len(original) else len(original)
        norm = normalize(original[:cut])
        found = [i for t in terms if t and (i := norm.text.find(t)) != -1]
        if found:
            return norm.starts[min(found)]
        if cut >= len(original):
            return None
        limit *= 4


def snippet(
    original: str,
    terms: Sequence[str],
    *,
    width: int = 160,
    lead: int = 40,
    norm_text: str | None = None,
) -> Snippet:
    """About ``width`` characters of ``original`` around the first hit (``lead`` characters
    before it), or its beginning when no term occurs, highlighted. ``norm_text``, the stored
    normalised text, spares the work when no term occurs."""
    if not original:
        return Snippet((), False, False)
    if norm_text is not None and not any(t and t in norm_text for t in terms):
        end = min(len(original), width)
        end = safe_prefix_end(original, end) if end < len(original) else end
        if end <= 0:
            end = len(original)
        return Snippet(((original[:end], False),), False, end < len(original))
    if norm_text is not None:
        # The stored normalised text tells where the first hit is, give or take the characters
        # the normalisation dropped or expanded before it: try a window there first.
        k = min(i for t in terms if t and (i := norm_text.find(t)) != -1)
        start = safe_prefix_end(original, max(0, k - lead))
        end = min(len(original), start + width)
        end = safe_prefix_end(original, end) if end < len(original) else end
        if end > start:
            segments = highlight(original[start:end], None, terms)
            if any(m for _s, m in segments):
                return Snippet(tuple(segments), start > 0, end < len(original))
    hit = _first_hit(original, terms)
    start = 0 if hit is None or hit <= lead else hit - lead
    start = safe_prefix_end(original, start)
    end = min(len(original), start + width)
    end = safe_prefix_end(original, end) if end < len(original) else end
    if end <= start:  # a single unit longer than the window
        end = len(original)
    window = original[start:end]
    return Snippet(tuple(highlight(window, None, terms)), start > 0, end < len(original))
