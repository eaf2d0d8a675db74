"""Search reads, scoped to the actor.

Who sees a document (its ``visibility``, decided by the owning app):

* ``ALL``: everyone signed in;
* ``ORGS`` / ``TOKYO`` / ``OWN``: the owner organisation, members of 都, the organisations in
  the audience (``ORGS`` only), and roles that may read every voice (``Cap.VOICES_VIEW_ANY``:
  Tokyo's roles, auditors);
* experts (``Role.EXPERT``) see ``ALL`` documents only.

On top of that a kind is searched only by actors who may open such items (``Kind.caps``).

Ranking: documents holding every term in the title first, then those with some terms in the
title, then the rest; newest first within each tier. The index hands over the newest
:data:`COUNT_CAP` + 1 hits; counts are exact up to :data:`COUNT_CAP`, and a broader search is
shown as "more than 1,000" with its newest 1,000 hits ranked (narrow the search for more), so a
one-character query over 200,000 items stays fast (ADR 0009).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.errors import PermissionDenied, ValidationFailed
from tsunagu.core.models import Organization
from tsunagu.core.permissions import Actor, can
from tsunagu.core.roles import Cap, Role
from tsunagu.engines.search.highlight import Segment, Snippet, highlight, snippet
from tsunagu.engines.search.query import (
    MAX_QUERY_CHARS,
    Query,
    QueryError,
    parse_query,
    rank_tier,
)
from tsunagu.engines.search.variants import default_variants

from . import registry
from .backends import Access, Filters, backend
from .models import SearchDocument
from .services import rank_base

COUNT_CAP = 1000
PER_PAGE_MAX = 50


@dataclass(frozen=True)
class SearchHit:
    kind: str
    kind_label: str
    object_id: str
    url: str
    title: tuple[Segment, ...]  # highlighted
    snippet: Snippet
    organization_id: int | None
    organization_name: str
    facet: str
    extra: dict[str, str]
    updated_at: dt.datetime
    tier: int  # 2: every term in the title, 1: some, 0: none
    extra_labels: tuple[str, ...] = ()  # the kind's shown extras, labelled for the reader

    @property
    def title_text(self) -> str:
        return "".join(s for s, _m in self.title)


@dataclass(frozen=True)
class KindCount:
    key: str
    label: str
    count: int | None  # None: not counted (the whole search passed the cap)


@dataclass(frozen=True)
class SearchPage:
    query: str
    terms: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    total: int  # exact when not ``total_capped``, else ``COUNT_CAP``
    total_capped: bool
    page: int
    per_page: int
    has_next: bool
    kinds: tuple[KindCount, ...]  # every kind the actor may search, with its count
    suggestions: tuple[str, ...] = field(default=())  # other searches when nothing was found

    @property
    def pages(self) -> int:
        """Pages reachable (at most ``COUNT_CAP`` hits)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _query_error(exc: QueryError) -> ValidationFailed:
    if exc.code == "query_too_long":
        return ValidationFailed(
            _("The search is too long: use at most %(n)d characters.") % {"n": MAX_QUERY_CHARS},
            code="query_too_long",
            details={"q": _("At most %(n)d characters.") % {"n": MAX_QUERY_CHARS}},
        )
    return ValidationFailed(
        _("Type a word to search for."),
        code="query_empty",
        details={"q": _("Type a word to search for.")},
    )


def search_parse(q: str) -> Query:
    """The parsed query, or ``ValidationFailed`` (``query_empty``, ``query_too_long``)."""
    try:
        return parse_query(q or "")
    except QueryError as exc:
        raise _query_error(exc) from None


def search_access(actor: Actor) -> Access:
    """What ``actor`` may see (see the module docstring)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    if actor.role == Role.EXPERT:
        return Access(everything=False, org_id=None)
    if can(actor, Cap.VOICES_VIEW_ANY):
        return Access(everything=True)
    if _is_tokyo_org(actor.organization_id):
        return Access(everything=True)
    return Access(everything=False, org_id=actor.organization_id)


_TOKYO_ORGS: dict[int, bool] = {}


def _is_tokyo_org(org_id: int | None) -> bool:
    """Whether the organisation is 都 (cached: an organisation's kind never changes)."""
    if org_id is None:
        return False
    known = _TOKYO_ORGS.get(org_id)
    if known is None:
        org = Organization.objects.filter(pk=org_id).only("kind").first()
        known = _TOKYO_ORGS[org_id] = org is not None and org.is_tokyo
    return known


def search_kinds(actor: Actor) -> list[registry.Kind]:
    """The kinds ``actor`` may search."""
    return [k for k in registry.KINDS.values() if not k.caps or any(can(actor, c) for c in k.caps)]


def _filters(
    actor: Actor,
    kinds: tuple[str, ...] | list[str],
    organization: int | None,
    facet: str | None,
    since: dt.date | None,
    until: dt.date | None,
) -> tuple[Filters, Filters, list[registry.Kind]]:
    """The filters with the kind restriction (for hits) and without it (for the per-kind
    counts, which still keep to the kinds the actor may search)."""
    allowed = search_kinds(actor)
    allowed_keys = tuple(k.key for k in allowed)
    every = allowed_keys if len(allowed) < len(registry.KINDS) else None
    kinds = [k for k in dict.fromkeys(kinds) if k in registry.KINDS]  # unknown keys: ignored
    chosen = tuple(k for k in kinds if k in allowed_keys)
    if kinds and not chosen:  # asked only for kinds the actor may not search: nothing
        every_or_none: tuple[str, ...] | None = ()
    else:
        every_or_none = chosen if chosen else every
    tz = timezone.get_current_timezone()
    min_rank = (
        rank_base(dt.datetime.combine(since, dt.time.min, tzinfo=tz)) if since is not None else None
    )
    max_rank = None
    if until is not None and until < dt.date.max:  # the last day: no upper bound at all
        max_rank = rank_base(
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    min_rank, max_rank = _clamp_ranks(min_rank, max_rank)
    base = Filters(
        kinds=every,
        organization_id=organization,
        facet=facet.replace("\x00", " ") if facet else None,  # as stored (PG refuses NUL)
        min_rank=min_rank,
        max_rank=max_rank,
    )
    narrowed = Filters(
        kinds=every_or_none,
        organization_id=organization,
        facet=base.facet,
        min_rank=min_rank,
        max_rank=max_rank,
    )
    return base, narrowed, allowed


_RANK_MAX = 2**63 - 1  # rank keys are 64-bit integers in both databases


def _clamp_ranks(min_rank: int | None, max_rank: int | None) -> tuple[int | None, int | None]:
    """Date bounds far in the future give keys past 64 bits, which neither database accepts
    as a parameter: such a lower bound matches nothing, such an upper bound everything."""
    if min_rank is not None and min_rank > _RANK_MAX:
        min_rank = _RANK_MAX
    if max_rank is not None and max_rank > _RANK_MAX:
        max_rank = None
    return min_rank, max_rank


def search_query(
    *,
    actor: Actor,
    q: str,
    kinds: tuple[str, ...] | list[str] = (),
    organization: int | None = None,
    facet: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """One page of what ``actor`` may find for ``q`` (see the module docstring).

    Raises ``ValidationFailed`` with code ``query_empty`` or ``query_too_long``. A page past
    the reachable ones is empty (``has_next`` false), never an error.
    """
    access = search_access(actor)
    query = search_parse(q)
    per_page = min(max(1, per_page), PER_PAGE_MAX)
    page = max(1, page)
    base, narrowed, allowed = _filters(actor, kinds, organization, facet, since, until)
    terms = query.terms
    if not allowed or narrowed.kinds == ():
        # Nothing the actor may search (or only kinds they may not): an empty page.
        return SearchPage(q, terms, (), 0, False, page, per_page, False, ())
    be = backend()
    # The newest COUNT_CAP + 1 hits of every kind: the per-kind counts, and the hits themselves
    # unless a kind filter needs its own newest hits (only when the search passed the cap).
    every = be.newest(terms, access, base, COUNT_CAP + 1)
    every_capped = len(every) > COUNT_CAP
    if narrowed.kinds == base.kinds:
        found = every
    elif not every_capped:
        chosen = set(narrowed.kinds or ())
        found = [h for h in every if h[1] in chosen]
    else:
        found = be.newest(terms, access, narrowed, COUNT_CAP + 1)
    capped = len(found) > COUNT_CAP
    found = found[:COUNT_CAP]
    ranked = sorted(
        ((rank_tier(title_norm, terms), key) for key, _kind, title_norm in found),
        key=lambda p: (-p[0], -p[1]),
    )
    offset = (page - 1) * per_page
    keyed = ranked[offset : offset + per_page]
    rows = {
        r[0]: r
        for r in SearchDocument.objects.filter(rank_key__in=[k for _t, k in keyed]).values_list(
            *_HIT_FIELDS
        )
    }
    labels = {k.key: str(k.label) for k in allowed}
    hits = tuple(_hit(rows[k], tier, terms, labels) for tier, k in keyed if k in rows)
    per_kind = Counter(kind for _key, kind, _t in every)
    kind_counts = tuple(
        KindCount(k.key, str(k.label), None if every_capped else per_kind.get(k.key, 0))
        for k in allowed
    )
    suggestions: tuple[str, ...] = ()
    if not hits and page == 1:
        suggestions = _suggestions(query)
    return SearchPage(
        query=q,
        terms=terms,
        hits=hits,
        total=len(found),
        total_capped=capped,
        page=page,
        per_page=per_page,
        has_next=offset + per_page < len(found),
        kinds=kind_counts,
        suggestions=suggestions,
    )


_HIT_FIELDS = (
    "rank_key",
    "kind",
    "object_id",
    "url",
    "title",
    "body",
    "title_norm",
    "body_norm",
    "organization_id",
    "facet",
    "extra",
    "updated_at",
)
_ORG_NAMES: dict[int, tuple[str, str]] = {}


def _org_name(org_id: int | None) -> str:
    """The organisation's name in the UI language (cached: 63 bodies, names do not change)."""
    if org_id is None:
        return ""
    if org_id not in _ORG_NAMES:
        for pk, name, name_en in Organization.objects.values_list("pk", "name", "name_en"):
            _ORG_NAMES[pk] = (name, name_en)
    name, name_en = _ORG_NAMES.get(org_id, ("", ""))
    return name_en if _lang() == "en" and name_en else name


def _hit(
    row: tuple[Any, ...], tier: int, terms: tuple[str, ...], labels: dict[str, str]
) -> SearchHit:
    (
        _key,
        kind,
        object_id,
        url,
        title,
        body,
        title_norm,
        body_norm,
        org_id,
        facet,
        extra,
        updated_at,
    ) = row
    shown_extra = {str(k): str(v) for k, v in (extra or {}).items()}
    kind_spec = registry.KINDS.get(kind)
    return SearchHit(
        kind=kind,
        kind_label=labels.get(kind) or registry.kind_label(kind),
        object_id=object_id,
        url=url,
        title=tuple(highlight(title, None, terms, norm_text=title_norm)),
        snippet=snippet(body, terms, norm_text=body_norm),
        organization_id=org_id,
        organization_name=_org_name(org_id),
        facet=facet,
        extra=shown_extra,
        updated_at=updated_at,
        tier=tier,
        extra_labels=kind_spec.extra_labels(shown_extra) if kind_spec is not None else (),
    )


def _lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _suggestions(query: Query) -> tuple[str, ...]:
    """Other searches to try: SudachiPy's spelling of the words (打合せ → 打ち合わせ), then each
    word alone when there were several."""
    out: list[str] = []
    raw_terms = query.raw.split()
    variants = default_variants()
    respelled = [variants.suggest(t) or t for t in raw_terms]
    if respelled != raw_terms:
        out.append(" ".join(respelled))
    if len(raw_terms) > 1:
        out.extend(t for t in raw_terms if t not in out)
    return tuple(dict.fromkeys(out))[:5]


def search_match_keys(
    *, actor: Actor, q: str, kinds: tuple[str, ...] | list[str] = ()
) -> list[int]:
    """Every hit's ``rank_key`` through the index, uncapped, newest first: for recall checks
    against a brute-force scan (tests, benchmark)."""
    access = search_access(actor)
    query = search_parse(q)
    _base, narrowed, allowed = _filters(actor, kinds, None, None, None, None)
    if not allowed or narrowed.kinds == ():
        return []
    return [key for key, _kind, _t in backend().newest(query.terms, access, narrowed, None)]
