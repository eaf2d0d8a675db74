"""Japanese-aware search: normalisation, query parsing, n-grams for the indexes, highlighting.

Pure Python (SudachiPy only for spelling suggestions); the search app stores and queries the
indexes (``tsunagu.search``).
"""

from .grams import index_grams, term_grams
from .highlight import Snippet, highlight, match_spans, snippet
from .normalize import NORMALIZATION_VERSION, Normalized, normalize, normalize_text
from .query import MAX_QUERY_CHARS, Query, QueryError, matches, parse_query

__all__ = [
    "MAX_QUERY_CHARS",
    "NORMALIZATION_VERSION",
    "Normalized",
    "Query",
    "QueryError",
    "Snippet",
    "highlight",
    "index_grams",
    "match_spans",
    "matches",
    "normalize",
    "normalize_text",
    "parse_query",
    "snippet",
    "term_grams",
]
