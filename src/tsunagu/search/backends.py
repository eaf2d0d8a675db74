"""The index per database: how a search becomes SQL (ADR 0009).

Both backends answer one question — the newest documents (by ``rank_key``) that hold every
term in their normalised title or body, that the actor may see, within the filters — with
exactly the brute-force answer of :func:`tsunagu.engines.search.query.matches` (the tests check
it on random corpora). The selector asks for at most ``COUNT_CAP + 1`` of them and ranks,
counts and pages in Python.

* SQLite: one FTS5 query on ``search_fts`` (bigram phrases, character tokens and metadata
  tokens for visibility, kind, owner and facet), newest first by rowid — FTS5 walks its
  posting lists in rowid order and stops at the limit.
* PostgreSQL: the narrow table ``search_pg_entry``. A broad query is answered by scanning the
  newest rows in ``rank_key`` order with ``strpos`` (it stops at the limit); when the newest
  :data:`PROBE_ROWS` rows do not hold enough hits, the GIN expression index over the grams
  narrows instead (terms of three or more characters verified with ``strpos``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction

from tsunagu.engines.search.grams import (
    fts_bigrams,
    fts_phrase,
    fts_token,
    fts_unigrams,
    term_grams,
    term_is_exact,
)

from .documents import Visibility

TABLE = "search_searchdocument"
PG_ENTRY = "search_pg_entry"
PROBE_ROWS = 10_000


@dataclass(frozen=True)
class Access:
    """What the actor may see: everything, or the ``ALL`` items plus those of ``org_id``
    (owner, or named in the audience of an ``ORGS`` item). ``org_id=None``: ``ALL`` only."""

    everything: bool
    org_id: int | None = None


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] | None = None  # None: no restriction
    organization_id: int | None = None
    facet: str | None = None
    min_rank: int | None = None  # inclusive
    max_rank: int | None = None  # exclusive


@dataclass(frozen=True)
class IndexRow:
    """What the index needs of a document (new, or as stored before a change)."""

    rank_key: int
    kind: str
    organization_id: int | None
    visibility: str
    audience: tuple[int, ...]
    facet: str
    title_norm: str
    body_norm: str


# A hit as the index returns it: (rank_key, kind, title_norm) — enough to count and rank.
Hit = tuple[int, str, str]


class Backend(Protocol):
    def write(self, *, removed: Sequence[IndexRow], added: Sequence[IndexRow]) -> None: ...

    def newest(
        self, terms: Sequence[str], access: Access, filters: Filters, limit: int | None
    ) -> list[Hit]: ...

    def reset(self) -> None: ...

    def settle(self) -> None: ...


# --------------------------------------------------------------------------- SQLite


def _meta_tokens(row: IndexRow) -> str:
    tokens = [fts_token("k", row.kind), f"o{row.organization_id or 0}"]
    if row.visibility == Visibility.ALL:
        tokens.append("vall")
    elif row.visibility == Visibility.ORGS:
        tokens.extend(f"a{a}" for a in row.audience)
    if row.facet:
        tokens.append(fts_token("f", row.facet))
    return " ".join(tokens)


def _fts_values(row: IndexRow) -> tuple[Any, ...]:
    return (
        row.rank_key,
        fts_unigrams(row.title_norm),
        fts_bigrams(row.title_norm),
        fts_unigrams(row.body_norm),
        fts_bigrams(row.body_norm),
        _meta_tokens(row),
    )


def _fts_term(term: str) -> str:
    """A term in the title or the body: its character token, or the phrase of its bigrams."""
    cols = "{tu bu}" if len(term) == 1 else "{tb bb}"
    return f"{cols} : {fts_phrase(term)}"


def _fts_and(parts: Iterable[str]) -> str:
    return " AND ".join(f"({p})" for p in parts)


class SQLiteBackend:
    """FTS5 (see the module docstring)."""

    def write(self, *, removed: Sequence[IndexRow], added: Sequence[IndexRow]) -> None:
        with connection.cursor() as cur:
            if removed:
                cur.executemany(
                    "INSERT INTO search_fts(search_fts, rowid, tu, tb, bu, bb, meta) "
                    "VALUES ('delete', %s, %s, %s, %s, %s, %s)",
                    [_fts_values(r) for r in removed],
                )
            if added:
                cur.executemany(
                    "INSERT INTO search_fts(rowid, tu, tb, bu, bb, meta) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [_fts_values(r) for r in added],
                )

    def reset(self) -> None:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")

    def settle(self) -> None:
        """After many writes: merge the FTS5 segments into one (faster queries)."""
        with connection.cursor() as cur:
            cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def _match(self, terms: Sequence[str], access: Access, filters: Filters) -> str:
        parts = [_fts_and(_fts_term(t) for t in terms)]
        if not access.everything:
            allowed = ['"vall"']
            if access.org_id is not None:
                allowed += [f'"o{access.org_id}"', f'"a{access.org_id}"']
            parts.append("meta : (" + " OR ".join(allowed) + ")")
        if filters.kinds is not None:
            parts.append(
                "meta : (" + " OR ".join(f'"{fts_token("k", k)}"' for k in filters.kinds) + ")"
            )
        if filters.organization_id is not None:
            parts.append(f'meta : "o{filters.organization_id}"')
        if filters.facet:
            parts.append(f'meta : "{fts_token("f", filters.facet)}"')
        return " AND ".join(f"({p})" for p in parts)

    def newest(
        self, terms: Sequence[str], access: Access, filters: Filters, limit: int | None
    ) -> list[Hit]:
        sql = "search_fts MATCH %s"
        params: list[Any] = [self._match(terms, access, filters)]
        if filters.min_rank is not None:
            sql += " AND rowid >= %s"
            params.append(filters.min_rank)
        if filters.max_rank is not None:
            sql += " AND rowid < %s"
            params.append(filters.max_rank)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT f.r, d.kind, d.title_norm FROM (SELECT rowid AS r FROM search_fts "  # noqa: S608
                f"WHERE {sql} ORDER BY rowid DESC LIMIT %s) f "
                f"JOIN {TABLE} d ON d.rank_key = f.r ORDER BY f.r DESC",
                [*params, -1 if limit is None else limit],
            )
            return [(r, k, t) for r, k, t in cur.fetchall()]


# --------------------------------------------------------------------------- PostgreSQL


class PostgresBackend:
    """``search_pg_entry`` (see the module docstring)."""

    def write(self, *, removed: Sequence[IndexRow], added: Sequence[IndexRow]) -> None:
        with connection.cursor() as cur:
            if removed:
                cur.execute(
                    f"DELETE FROM {PG_ENTRY} WHERE rank_key = ANY(%s)",  # noqa: S608
                    [[r.rank_key for r in removed]],
                )
            if added:
                cur.executemany(
                    f"INSERT INTO {PG_ENTRY} (rank_key, kind, organization_id, visibility, "  # noqa: S608
                    "audience, facet, title_norm, body_norm) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            r.rank_key,
                            r.kind,
                            r.organization_id,
                            r.visibility,
                            list(r.audience) if r.visibility == Visibility.ORGS else None,
                            r.facet,
                            r.title_norm,
                            r.body_norm,
                        )
                        for r in added
                    ],
                )

    def reset(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {PG_ENTRY}")  # noqa: S608

    def settle(self) -> None:
        """After many writes: fresh statistics for the planner and for :meth:`_looks_broad`."""
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {PG_ENTRY}")
        _FREQS["at"] = -1e9

    @staticmethod
    def _rank_range(filters: Filters, alias: str) -> tuple[list[str], list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if filters.min_rank is not None:
            parts.append(f"{alias}.rank_key >= %s")
            params.append(filters.min_rank)
        if filters.max_rank is not None:
            parts.append(f"{alias}.rank_key < %s")
            params.append(filters.max_rank)
        return parts, params

    def _rest(self, access: Access, filters: Filters) -> tuple[list[str], list[Any]]:
        """Visibility and filters: plain column conditions."""
        parts, params = self._rank_range(filters, "d")
        if not access.everything:
            if access.org_id is None:
                parts.append("d.visibility = %s")
                params.append(Visibility.ALL.value)
            else:
                parts.append(
                    "(d.visibility = %s OR d.organization_id = %s "
                    "OR (d.visibility = %s AND d.audience @> ARRAY[%s]::integer[]))"
                )
                params += [
                    Visibility.ALL.value,
                    access.org_id,
                    Visibility.ORGS.value,
                    access.org_id,
                ]
        if filters.kinds is not None:
            parts.append("d.kind = ANY(%s)")
            params.append(list(filters.kinds))
        if filters.organization_id is not None:
            parts.append("d.organization_id = %s")
            params.append(filters.organization_id)
        if filters.facet:
            parts.append("d.facet = %s")
            params.append(filters.facet)
        return parts, params

    @staticmethod
    def _verify(terms: Iterable[str]) -> tuple[list[str], list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for t in terms:
            parts.append("(strpos(d.title_norm, %s) > 0 OR strpos(d.body_norm, %s) > 0)")
            params += [t, t]
        return parts, params

    def newest(
        self, terms: Sequence[str], access: Access, filters: Filters, limit: int | None
    ) -> list[Hit]:
        rest, rest_params = self._rest(access, filters)
        tail = " ORDER BY d.rank_key DESC" + (" LIMIT %s" if limit is not None else "")
        tail_params = [limit] if limit is not None else []
        grams = sorted({g for t in terms for g in term_grams(t)})
        with connection.cursor() as cur:
            if limit is not None and self._looks_broad(grams, limit):
                # A broad query: its hits are dense among the newest rows, which a scan in
                # rank order with strpos finds without touching the rest of the table.
                rng, rng_params = self._rank_range(filters, "e")
                where_e = ("WHERE " + " AND ".join(rng)) if rng else ""
                cur.execute(
                    f"SELECT e.rank_key FROM {PG_ENTRY} e {where_e} "  # noqa: S608
                    "ORDER BY e.rank_key DESC OFFSET %s LIMIT 1",
                    [*rng_params, PROBE_ROWS - 1],
                )
                row = cur.fetchone()
                bound = row[0] if row else None
                check, check_params = self._verify(terms)
                parts = [*check, *rest]
                params = [*check_params, *rest_params]
                if bound is not None:
                    parts.insert(0, "d.rank_key >= %s")
                    params.insert(0, bound)
                cur.execute(
                    f"SELECT d.rank_key, d.kind, d.title_norm FROM {PG_ENTRY} d "  # noqa: S608
                    f"WHERE {' AND '.join(parts)}{tail}",
                    [*params, *tail_params],
                )
                hits = [(r, k, t) for r, k, t in cur.fetchall()]
                if len(hits) >= limit or bound is None:
                    return hits
        # A narrow query: the GIN index finds the candidates, strpos verifies the long terms.
        check, check_params = self._verify(t for t in terms if not term_is_exact(t))
        parts = ["search_grams(d.title_norm, d.body_norm) @> %s::text[]", *check, *rest]
        params = [grams, *check_params, *rest_params]
        return self._bitmap_only(
            f"SELECT d.rank_key, d.kind, d.title_norm FROM {PG_ENTRY} d "  # noqa: S608
            f"WHERE {' AND '.join(parts)}{tail}",
            [*params, *tail_params],
        )

    @staticmethod
    def _looks_broad(grams: Sequence[str], limit: int) -> bool:
        """Whether the newest :data:`PROBE_ROWS` rows probably hold ``limit`` hits, by the
        gram frequencies ANALYZE keeps for the GIN expression (its most common elements; a
        gram not among them is rarer than all of them). Without statistics yet: try."""
        freqs = _gram_frequencies()
        if not freqs:
            return True
        density = min(freqs.get(g, 0.0) for g in grams) if grams else 1.0
        return density * PROBE_ROWS >= limit

    @staticmethod
    def _bitmap_only(sql: str, params: list[Any]) -> list[Hit]:
        """Run a query through bitmap index scans only: a plain scan would evaluate
        ``search_grams()`` for every row it passes (ADR 0009)."""
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_indexscan = off")
            try:
                cur.execute(sql, params)
                return [(r, k, t) for r, k, t in cur.fetchall()]
            finally:
                cur.execute("SET LOCAL enable_seqscan = on")
                cur.execute("SET LOCAL enable_indexscan = on")


_FREQS: dict[str, Any] = {"at": -1e9, "freqs": {}}
_FREQS_TTL = 600.0  # seconds; autovacuum refreshes the statistics far less often


def _gram_frequencies() -> dict[str, float]:
    """Gram → share of documents holding it, for the most common grams (PostgreSQL's
    statistics on the GIN expression), cached per process for ten minutes."""
    now = time.monotonic()
    if now - _FREQS["at"] > _FREQS_TTL:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = %s AND attname = %s",
                [f"{PG_ENTRY}_grams", "search_grams"],
            )
            row = cur.fetchone()
        freqs: dict[str, float] = {}
        if row and row[0] and row[1]:
            freqs = dict(zip(row[0], (float(f) for f in row[1]), strict=False))
        _FREQS.update(at=now, freqs=freqs)
    result: dict[str, float] = _FREQS["freqs"]
    return result


def backend() -> Backend:
    """The backend of the default database."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"search has no index for {connection.vendor}")
