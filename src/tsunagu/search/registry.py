"""The kinds of searchable items: key, label, provider, and who may open such an item at all.

A provider is ``iter_docs(ids=None) -> Iterator[IndexDoc]`` in the owning app
(``<app>/search_docs.py``), named by dotted path so this module imports no app. A provider that
is not importable (its app has not landed yet) is skipped with a log line; its kind still
exists, so documents already indexed stay searchable.

``caps``: an actor needs one of them to see the kind in search at all (the same capabilities
that open the kind's pages), on top of each document's own visibility. Empty: everyone signed in.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.core.roles import Cap

from .documents import IndexDoc

log = logging.getLogger(__name__)

Provider = Callable[..., Iterator[IndexDoc]]


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    provider: str  # dotted path of iter_docs(ids=None)
    caps: tuple[Cap, ...] = ()
    # The ``extra`` keys shown under a hit, each with the dotted path of the TextChoices that
    # labels its stored value (in the reader's language); other keys are kept for the API only.
    shown: tuple[tuple[str, str], ...] = ()

    def extra_labels(self, extra: dict[str, str]) -> tuple[str, ...]:
        """The shown extras of one hit as labels (a value with no label is shown as stored)."""
        out: list[str] = []
        for key, choices_path in self.shown:
            value = extra.get(key)
            if value:
                out.append(str(_choices(choices_path).get(value, value)))
        return tuple(out)

    def load_provider(self) -> Provider | None:
        """The provider function, or ``None`` (logged) when its module is not there yet."""
        module_path, _sep, name = self.provider.rpartition(".")
        try:
            module = importlib.import_module(module_path)
        except ImportError as exc:
            log.info("search kind %s: provider %s not available (%s)", self.key, module_path, exc)
            return None
        fn: Any = getattr(module, name, None)
        if not callable(fn):
            log.info("search kind %s: %s has no provider %s", self.key, module_path, name)
            return None
        return fn  # type: ignore[no-any-return]


@functools.cache
def _choices(path: str) -> dict[str, Any]:
    """``{value: lazy label}`` of a TextChoices class named by dotted path (nested classes
    allowed: ``tsunagu.knowledge.models.Meeting.Status``); empty when it cannot be found."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError:
            return {}
        return dict(getattr(obj, "choices", ()))
    return {}


_FORUM = (Cap.FORUM_READ,)

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "voice",
            _("Voice"),
            "tsunagu.voices.search_docs.voice_docs",
            (Cap.VOICES_FILE_OWN, Cap.VOICES_VIEW_ANY),
            (("status", "tsunagu.voices.models.Status"),),
        ),
        Kind(
            "project",
            _("Peer project"),
            "tsunagu.knowledge.search_docs.project_docs",
            _FORUM,
            (("stage", "tsunagu.knowledge.models.Stage"),),
        ),
        Kind(
            "meeting",
            _("Meeting record"),
            "tsunagu.knowledge.search_docs.meeting_docs",
            _FORUM,
            (("status", "tsunagu.knowledge.models.Meeting.Status"),),
        ),
        Kind("article", _("Article"), "tsunagu.knowledge.search_docs.article_docs", _FORUM),
        Kind(
            "question",
            _("Q&A"),
            "tsunagu.knowledge.search_docs.question_docs",
            _FORUM,
            (("status", "tsunagu.knowledge.models.Question.Status"),),
        ),
        Kind(
            "expert",
            _("Expert"),
            "tsunagu.talent.search_docs.expert_docs",
            (Cap.TALENT_REQUEST_OWN, Cap.TALENT_VIEW_ANY, Cap.TALENT_EXPERT),
            (("engagement", "tsunagu.talent.models.Engagement"),),
        ),
        Kind(
            "catalog_service",
            _("Catalog service"),
            "tsunagu.gateway.search_docs.catalog_service_docs",
            (Cap.GATEWAY_VIEW_OWN, Cap.GATEWAY_VIEW_ANY),
            (("risk_class", "tsunagu.gateway.models.RiskClass"),),
        ),
    )
}


def kind_label(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind else key


def iter_provider_docs(kind: Kind, ids: Iterable[str] | None = None) -> Iterator[IndexDoc] | None:
    """The kind's documents from its provider (``None`` when the provider is not there)."""
    fn = kind.load_provider()
    if fn is None:
        return None
    return fn(ids=list(ids)) if ids is not None else fn()
