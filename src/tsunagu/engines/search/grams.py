"""N-grams for the two index backends.

Both indexes serve every query length exactly from one gram set: characters (unigrams) for
one-character terms, bigrams for longer ones.

* PostgreSQL: the set of unigrams and bigrams of the title and of the body (a gram never spans
  the two), computed by an SQL function for a GIN expression index, which
  ``search_grams(...) @> term_grams(term)`` uses to narrow. One- and two-character terms are
  exact; a longer term's bigrams may all occur apart, so its candidates are verified with
  ``strpos``. (A scan of the newest rows with ``strpos`` alone serves broad queries.)
* SQLite FTS5: each text as a sequence of bigram tokens at consecutive positions, so a term of
  two or more characters is the *phrase* of its bigrams — exact, no verification — and the
  distinct characters as tokens for one-character terms. Tokens are hex-encoded code points so
  that FTS5's tokenizer neither splits nor folds them.
"""

from __future__ import annotations

import itertools


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def index_grams(title_norm: str, body_norm: str) -> set[str]:
    """The grams of a document: every character and bigram of the title and of the body (a
    gram never spans the two). The PostgreSQL function ``search_grams`` (migration 0002)
    computes the same set for the GIN index."""
    return set(title_norm) | set(body_norm) | _bigrams(title_norm) | _bigrams(body_norm)


def term_grams(term: str) -> list[str]:
    """The grams a document must hold for ``term`` to possibly occur: the character itself, or
    every bigram."""
    return [term] if len(term) == 1 else sorted(_bigrams(term))


def term_is_exact(term: str) -> bool:
    """Whether :func:`term_grams` alone decides a match (terms of one or two characters)."""
    return len(term) <= 2


# --------------------------------------------------------------------------- FTS5 tokens

_HEX: dict[str, str] = {}


def hex_char(ch: str) -> str:
    """A prefix-free token for one code point: 4 hex digits, or ``z`` and 6 beyond the BMP."""
    tok = _HEX.get(ch)
    if tok is None:
        cp = ord(ch)
        tok = f"{cp:04x}" if cp < 0x10000 else f"z{cp:06x}"
        _HEX[ch] = tok
    return tok


def fts_unigrams(text: str) -> str:
    """The distinct characters of ``text`` (spaces excluded) as FTS5 tokens."""
    return " ".join(hex_char(c) for c in dict.fromkeys(text) if c != " ")


def fts_bigrams(text: str) -> str:
    """The bigrams of ``text`` at consecutive positions, as FTS5 tokens."""
    codes = [hex_char(c) for c in text]
    return " ".join([a + b for a, b in itertools.pairwise(codes)])


def fts_phrase(term: str) -> str:
    """The FTS5 phrase (quoted) that matches exactly the texts containing ``term``: its
    character token, or the phrase of its bigram tokens."""
    if len(term) == 1:
        return f'"{hex_char(term)}"'
    return '"' + fts_bigrams(term) + '"'


def fts_token(prefix: str, value: str) -> str:
    """A metadata token (kind, facet) as FTS5 sees it: ``prefix`` and the UTF-8 hex."""
    return prefix + value.encode("utf-8").hex()
