"""Skill suggestions while a request is typed, and the solver's diagnosis in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tsunagu.core.permissions import Actor
from tsunagu.engines.matching.suggest import (
    Index,
    PastRequest,
    suggest_from_similar,
    suggest_skills,
)

from . import adapters, selectors
from .models import SupportRequest

_INDEX: dict[str, Any] = {"key": None, "index": None}


def _past_index() -> Index:
    """An index of past requests' texts, rebuilt when requests were added (cheap: ~0.2 s per
    300 requests)."""
    latest = SupportRequest.objects.order_by("-pk").values_list("pk", flat=True).first()
    count = SupportRequest.objects.count()
    key = (latest, count)
    if _INDEX["key"] != key or _INDEX["index"] is None:
        past = [
            PastRequest(id=pk, text=f"{title}\n{problem}", skills=tuple(skills))
            for pk, title, problem, skills in _past_rows()
        ]
        _INDEX["index"] = Index.build(past, adapters.analyzer())
        _INDEX["key"] = key
    return _INDEX["index"]  # type: ignore[no-any-return]


def _past_rows() -> list[tuple[int, str, str, list[str]]]:
    skills: dict[int, list[str]] = {}
    from .models import RequestSkill

    for rid, skill in RequestSkill.objects.values_list("request_id", "skill"):
        skills.setdefault(rid, []).append(skill)
    return [
        (pk, title, problem, skills.get(pk, []))
        for pk, title, problem in SupportRequest.objects.exclude(
            state=SupportRequest.State.DRAFT
        ).values_list("pk", "title", "problem")
    ]


def suggestions_for(*, actor: Actor, text: str, lang: str) -> dict[str, Any]:
    """Skills suggested from the text (taxonomy synonyms) and from similar past requests; the
    similar requests are named only when the actor may read them."""
    tax = adapters.taxonomy()
    if not text.strip():
        return {"skills": [], "similar": [], "empty": True}
    direct = suggest_skills(text, tax, analyzer=adapters.analyzer(), limit=5)
    index = _past_index()
    by_similar = suggest_from_similar(text, index, analyzer=adapters.analyzer(), taxonomy=tax)
    skills: dict[str, dict[str, Any]] = {}
    for s in direct:
        skills[s.skill] = {
            "id": s.skill,
            "label": tax.label(s.skill, lang),
            "why": "、".join(s.matched[:4]),
            "score": s.score,
        }
    for s in by_similar:
        if s.skill not in skills:
            skills[s.skill] = {
                "id": s.skill,
                "label": tax.label(s.skill, lang),
                "why": _("similar past requests"),
                "score": s.score,
            }
    hits = index.query(text, 5)
    ids = [int(hit.id) for hit in hits]
    found = SupportRequest.objects.select_related("organization").in_bulk(ids)
    visible = set(
        selectors.request_list(actor=actor).filter(pk__in=ids).values_list("pk", flat=True)
    )
    similar = []
    for hit in hits:
        pk = int(hit.id)
        req = found.get(pk)
        if req is None:
            continue
        similar.append(
            {
                "title": req.title,
                "org": req.organization.name,
                "pk": pk if pk in visible else None,
                "score": round(hit.score, 2),
            }
        )
    return {"skills": list(skills.values())[:6], "similar": similar, "empty": False}


_REASONS = {
    "no_expert_with_skill": gettext_noop("No expert in the pool has the skill %(skill)s."),
    "level_too_high": gettext_noop(
        "%(skill)s: level %(wanted)s wanted; the best available expert has %(best_available)s."
    ),
    "skills_not_combined": gettext_noop("No single expert has all the skills asked for together."),
    "capacity_exhausted": gettext_noop("Every qualified expert is fully booked this month."),
    "conflict_of_interest": gettext_noop(
        "The qualified experts have vendor ties with your organisation."
    ),
    "mode_mismatch": gettext_noop("The qualified experts do not work in the mode asked for."),
    "expert_unavailable": gettext_noop("The qualified experts are unavailable this month."),
    "all_excluded": gettext_noop("Every qualified expert was excluded."),
    "org_cap_reached": gettext_noop(
        "The qualified experts already serve as many organisations as they may."
    ),
    "no_admissible_expert": gettext_noop("No expert may serve this request."),
}
_SUGGESTIONS = {
    "lower_level": gettext_noop(
        "With %(skill)s at level %(to)s, %(experts)s expert(s) could serve it."
    ),
    "switch_online": gettext_noop("Held online, %(experts)s expert(s) could serve it."),
    "allow_onsite": gettext_noop("Accepting on-site visits, %(experts)s expert(s) could serve it."),
    "fewer_visits": gettext_noop("With %(to)s visit(s) a month it could be served."),
    "next_month": gettext_noop("Capacity frees up next month."),
    "wait_for_capacity": gettext_noop("Capacity frees up next month."),
    "wait_for_availability": gettext_noop("Wait until the experts are available again."),
    "split_request": gettext_noop("Split the request into one per skill."),
    "lift_exclusion": gettext_noop("Lift an exclusion."),
    "recruit": gettext_noop("Tokyo can recruit an expert with this profile for the pool."),
}


def _words(item: Any, table: Mapping[str, str], lang: str) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    code = str(item.get("code", ""))
    detail = dict(item.get("detail") or {})
    template = table.get(code)
    if template is None:
        return str(item.get("message") or code)
    values = {k: v for k, v in detail.items()}
    if "skill" in values:
        values["skill"] = (
            adapters.taxonomy().label(str(values["skill"]), lang)
            if str(values["skill"]) in adapters.taxonomy()
            else values["skill"]
        )
    try:
        return _(template) % values
    except (KeyError, TypeError, ValueError):
        return str(item.get("message") or code)


def reason_text(item: Any, lang: str) -> str:
    return _words(item, _REASONS, lang)


def suggestion_text(item: Any, lang: str) -> str:
    return _words(item, _SUGGESTIONS, lang)
