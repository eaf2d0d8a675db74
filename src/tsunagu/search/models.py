"""The search index: one :class:`SearchDocument` per searchable item of any app.

Each row keeps what a hit shows (title, body, link, owner, facet, extra), who may see it
(visibility, audience), the normalised text the search matches against, and its place in the
recency order (``rank_key``). The index proper is per database (ADR 0009):

* SQLite: the FTS5 table ``search_fts`` (rowid = ``rank_key``), created by migration 0002 and
  kept in step by the services;
* PostgreSQL: the narrow table ``search_pg_entry`` (one row per document, what a search filters
  on) with a GIN expression index over its unigrams and bigrams, created by migration 0002 and
  kept in step by the services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import Organization

from .documents import Visibility


class SearchDocument(models.Model):
    kind = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    title = models.TextField()
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visibility = models.CharField(
        max_length=8, choices=[(v.value, v.value) for v in Visibility], default="all"
    )
    audience = models.JSONField(default=list, blank=True)  # organisation ids (Visibility.ORGS)
    facet = models.CharField(max_length=80, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField()
    indexed_at = models.DateTimeField()
    title_norm = models.TextField()
    body_norm = models.TextField(blank=True)
    # Recency order, unique: microseconds of updated_at × 1024 + a slot (FTS5 rowid on SQLite).
    rank_key = models.BigIntegerField(unique=True)
    digest = models.CharField(max_length=40)  # of the IndexDoc and the normalisation version

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_doc_kind_object")
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="search_doc_org_kind")]
        verbose_name = _("search document")

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
