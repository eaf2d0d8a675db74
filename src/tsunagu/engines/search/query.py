"""Search queries: words separated by spaces must all occur (AND); a quoted phrase is one term.

``会議 移転`` finds items holding both 会議 and 移転, anywhere in the title or the body;
``"無線 LAN"`` finds the phrase with its space. Terms are normalised with the same function as
documents (:func:`~.normalize.normalize_text`), so the match is: every normalised term is a
substring of the normalised title or of the normalised body (:func:`matches`, the brute-force
definition the indexes must agree with).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import normalize_text

MAX_QUERY_CHARS = 200
MAX_TERMS = 10

# ASCII, full-width and typographic double quotes all open and close a phrase.
_QUOTES = re.compile('["＂“”]')
_TOKENS = re.compile(r'"([^"]*)"?|(\S+)')


class QueryError(ValueError):
    """A query that cannot be run; ``code`` is stable (``query_empty``, ``query_too_long``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Query:
    """A parsed query: the text as typed and its normalised terms (non-empty, distinct)."""

    raw: str
    terms: tuple[str, ...]


def parse_query(raw: str, *, max_chars: int = MAX_QUERY_CHARS) -> Query:
    """Parse what was typed into the search box.

    Raises :class:`QueryError` ``query_too_long`` over ``max_chars`` characters and
    ``query_empty`` when nothing searchable is left (blank, only quotes, only ー or ・). Terms
    beyond :data:`MAX_TERMS` are ignored.
    """
    if len(raw) > max_chars:
        raise QueryError("query_too_long")
    text = _QUOTES.sub('"', raw)
    terms: list[str] = []
    for m in _TOKENS.finditer(text):
        phrase, word = m.group(1), m.group(2)
        term = normalize_text(phrase if phrase is not None else word).strip(" ")
        if term and term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError("query_empty")
    return Query(raw=raw, terms=tuple(terms[:MAX_TERMS]))


def matches(title_norm: str, body_norm: str, terms: tuple[str, ...] | list[str]) -> bool:
    """The definition of a hit: every term is in the normalised title or the normalised body
    (a term never spans the two)."""
    return all(t in title_norm or t in body_norm for t in terms)


def title_hits(title_norm: str, terms: tuple[str, ...] | list[str]) -> int:
    """How many of the terms occur in the normalised title (the first ranking key)."""
    return sum(1 for t in terms if t in title_norm)


def rank_tier(title_norm: str, terms: tuple[str, ...] | list[str]) -> int:
    """2: every term is in the title; 1: some are; 0: none (hits rank by tier, then recency)."""
    hits = title_hits(title_norm, terms)
    return 2 if hits == len(terms) else 1 if hits else 0
