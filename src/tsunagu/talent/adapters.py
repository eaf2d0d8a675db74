"""The bridge between the expert pool in the database and the matching engine.

:func:`problem_for` turns the open requests, the ongoing assignments (continuity) and the pool
into an engine ``Problem``; :func:`taxonomy` and :func:`analyzer` give the skill taxonomy and
the Japanese analyser (created once per process: loading the dictionary takes a moment).
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from typing import Any

from django.conf import settings

from tsunagu.core.models import Organization
from tsunagu.engines.matching import model as mm
from tsunagu.engines.matching.suggest import Analyzer
from tsunagu.engines.matching.taxonomy import Taxonomy, load_taxonomy

from .models import Assignment, Expert, SupportRequest

WEST_TAMA = frozenset(
    {"132055", "132187", "132276", "132284", "133035", "133051", "133078", "133086"}
)
OPEN_STATES = (SupportRequest.State.SUBMITTED, SupportRequest.State.PROPOSED)


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    path = getattr(settings, "TALENT_TAXONOMY_FILE", "") or None
    return load_taxonomy(path)


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    return Analyzer()


def area_of(org: Organization) -> str:
    if org.region == "島しょ":
        return "islands"
    if org.code in WEST_TAMA:
        return "tama_west"
    if org.region == "多摩":
        return "tama_east"
    return "23ku"


def is_small(org: Organization) -> bool:
    """Small and island bodies are protected by the fairness floor."""
    return org.kind in ("町", "村") or org.region == "島しょ"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _available(expert: Expert, month: dt.date) -> bool:
    """An expert blacked out for the whole month is not available for it."""
    first, last = month_bounds(month)
    return not any(b.start <= first and b.end >= last for b in expert.blackouts.all())


def expert_facts(expert: Expert, month: dt.date) -> mm.Expert:
    return mm.Expert(
        id=str(expert.pk),
        name=expert.name,
        skills={s.skill: s.level for s in expert.skills.all()},
        capacity=expert.capacity,
        onsite=expert.onsite,
        online=expert.online,
        area=expert.area,
        max_orgs=expert.max_orgs,
        conflicts=frozenset(c.organization.code for c in expert.conflicts.all()),
        available=expert.active and _available(expert, month),
    )


def request_facts(req: SupportRequest, current: str | None) -> mm.Request:
    org = req.organization
    return mm.Request(
        id=str(req.pk),
        org=org.code,
        area=area_of(org),
        small=is_small(org),
        skills={s.skill: s.min_level for s in req.skills.all()},
        visits=req.visits_per_month,
        mode=req.mode,
        urgency=req.urgency,
        seq=int((req.submitted_at or req.created_at).timestamp()),
        preferred=str(req.preferred_expert_id) if req.preferred_expert_id else None,
        current=current,
        excluded=frozenset(str(e.pk) for e in req.excluded_experts.all()),
        locked=str(req.locked_expert_id) if req.locked_expert_id else None,
    )


def problem_for(month: dt.date, *, only: list[int] | None = None) -> mm.Problem:
    """Open requests plus the ongoing ones (which keep their expert unless impossible)."""
    experts = list(
        Expert.objects.filter(active=True).prefetch_related(
            "skills", "conflicts__organization", "blackouts"
        )
    )
    open_qs = SupportRequest.objects.filter(state__in=OPEN_STATES)
    if only is not None:
        open_qs = open_qs.filter(pk__in=only)
    ongoing = {
        a.request_id: str(a.expert_id)
        for a in Assignment.objects.filter(
            ended_on__isnull=True, request__state=SupportRequest.State.ACTIVE
        )
    }
    active_qs = SupportRequest.objects.filter(pk__in=list(ongoing))
    reqs: list[mm.Request] = []
    for qs in (open_qs, active_qs):
        for req in qs.select_related("organization").prefetch_related("skills", "excluded_experts"):
            reqs.append(request_facts(req, ongoing.get(req.pk)))
    return mm.Problem(
        experts=tuple(expert_facts(e, month) for e in experts),
        requests=tuple(reqs),
        weights=mm.Weights(),
    )


def breakdown_words(breakdown: dict[str, Any], lang: str) -> list[tuple[str, float]]:
    """The score breakdown of a proposal with its parts named in the user's language."""
    from django.utils.translation import gettext as _

    names = {
        "serve": _("Serving the request at all"),
        "urgency": _("Urgency"),
        "preference": _("Preferred by the municipality"),
        "continuity": _("Continuity (already on this project)"),
        "travel": _("Travel"),
    }
    tax = taxonomy()
    out: list[tuple[str, float]] = []
    for key, value in breakdown.items():
        if key.startswith("skill:"):
            skill = key.split(":", 1)[1]
            label = _("Skill: %(skill)s") % {"skill": tax.label(skill, lang)}
        else:
            label = str(names.get(key, key))
        out.append((label, float(value)))
    return out
