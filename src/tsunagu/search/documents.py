"""What an app hands to the search index: one :class:`IndexDoc` per searchable item.

Apps build these from their own rows (``<app>/search_docs.py``) and pass them to
``tsunagu.search.services.search_index_put`` inside the same transaction as the change, so the index
never shows what the database does not hold. Visibility is decided here, once, by the owning app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Visibility(StrEnum):
    ALL = "all"  # every signed-in member of the platform
    ORGS = "orgs"  # the owner, the organisations in ``audience_ids``, and 都
    TOKYO = "tokyo"  # the owner and 都 only
    OWN = "own"  # the owner organisation only (and 都-wide read roles)


@dataclass(frozen=True)
class IndexDoc:
    kind: str  # a key of tsunagu.search.registry.KINDS ("voice", "project", "meeting", ...)
    object_id: str
    title: str
    body: str
    url: str
    updated_at: dt.datetime
    organization_id: int | None = None  # the owner; None for platform-wide items
    visibility: Visibility = Visibility.ALL
    audience_ids: tuple[int, ...] = ()  # for Visibility.ORGS
    facet: str = ""  # one filterable label within the kind: a category, topic or status key
    extra: dict[str, str] = field(default_factory=dict)  # shown under the hit (e.g. status)
