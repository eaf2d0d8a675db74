"""Experts, requests and the answer of a matching run, as frozen data; admissibility and scoring.

Tokyo and its municipalities share a pool of external digital experts. Each month municipalities
file requests ("BPR help, 2 visits a month") and a coordinator runs the matching. Everything the
solvers (:mod:`.solve`, :mod:`.greedy`, :mod:`.flow`) agree on lives here, so the three answer
the same question:

* :func:`admissible` — may this expert serve this request at all (skills, conflicts, mode,
  availability, the municipality's exclusions)?
* :func:`pair_fit` — how good is the pair, as integer points with a breakdown that explains
  "why this expert" (points are weights × :data:`SCALE`, so the solvers work on integers and
  the explanation adds up exactly);
* :func:`fixed_pairs` — what is decided before optimising: coordinator locks, and continuing
  projects that keep their expert when that expert can still hold all of them.

``Problem.disabled`` switches single rules off. It exists so tests can show that every rule
binds (with the rule the answer respects it; without it the answer changes); a coordinator
would not normally use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SCALE = 100
"""Weights are floats for people; the solvers work on integers: points = round(weight × SCALE)."""

AREAS: tuple[str, ...] = ("23ku", "tama_east", "tama_west", "islands")
MODES: tuple[str, ...] = ("onsite", "online", "either")
CONSTRAINTS: tuple[str, ...] = (
    "capacity",
    "skills",
    "conflicts",
    "continuity",
    "fairness",
    "org_cap",
    "travel",
    "mode",
    "locks",
)
"""Names accepted in :attr:`Problem.disabled`."""


def _travel_defaults() -> Mapping[tuple[str, str], float]:
    # Cost per on-site visit, in score points. The 23 wards are the hub: eastern Tama is an hour
    # away, western Tama (Okutama, Hinohara) half a day, the islands a ferry or a flight and
    # usually a night. Two different islands are connected through Tokyo, so islands↔islands is
    # expensive too (the area does not say which island).
    one_way = {
        ("23ku", "23ku"): 0.0,
        ("tama_east", "tama_east"): 0.0,
        ("tama_west", "tama_west"): 1.0,
        ("islands", "islands"): 4.0,
        ("23ku", "tama_east"): 1.0,
        ("23ku", "tama_west"): 3.0,
        ("tama_east", "tama_west"): 2.0,
        ("23ku", "islands"): 5.0,
        ("tama_east", "islands"): 6.0,
        ("tama_west", "islands"): 7.0,
    }
    both = dict(one_way)
    for (a, b), cost in one_way.items():
        both[(b, a)] = cost
    return MappingProxyType(both)


TRAVEL: Mapping[tuple[str, str], float] = _travel_defaults()


@dataclass(frozen=True)
class Expert:
    """One expert of the shared pool.

    ``skills`` maps a skill id to a level 1–5; ``capacity`` is visits per month (on-site and
    online alike); ``area`` is the home base (one of :data:`AREAS`) travel is counted from;
    ``max_orgs`` caps the distinct organisations served in the month (0 = no cap) so that one
    adviser is not spread thin; ``conflicts`` are organisation codes the expert has vendor ties
    with (never matched); an expert who is not ``available`` this month gets nothing.
    """

    id: str
    name: str
    skills: Mapping[str, int] = field(hash=False)
    capacity: int
    onsite: bool
    online: bool
    area: str
    max_orgs: int
    conflicts: frozenset[str]
    available: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "skills": dict(self.skills),
            "capacity": self.capacity,
            "onsite": self.onsite,
            "online": self.online,
            "area": self.area,
            "max_orgs": self.max_orgs,
            "conflicts": sorted(self.conflicts),
            "available": self.available,
        }


@dataclass(frozen=True)
class Request:
    """One municipality's request for the month.

    ``skills`` maps a required skill to its minimum level; ``visits`` per month are served by a
    single expert (a request is never split); ``mode`` is ``onsite``, ``online`` or ``either``;
    ``urgency`` 1–3; ``seq`` is the arrival order (first-come uses it). ``small`` marks a small
    or island body protected by the fairness floor. ``preferred`` is the municipality's wish,
    ``current`` the expert already on this ongoing project (continuity), ``excluded`` experts
    the municipality does not want, ``locked`` the coordinator's override.
    """

    id: str
    org: str
    area: str
    small: bool
    skills: Mapping[str, int] = field(hash=False)
    visits: int
    mode: str
    urgency: int
    seq: int
    preferred: str | None = None
    current: str | None = None
    excluded: frozenset[str] = frozenset()
    locked: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org,
            "area": self.area,
            "small": self.small,
            "skills": dict(self.skills),
            "visits": self.visits,
            "mode": self.mode,
            "urgency": self.urgency,
            "seq": self.seq,
            "preferred": self.preferred,
            "current": self.current,
            "excluded": sorted(self.excluded),
            "locked": self.locked,
        }


@dataclass(frozen=True)
class Weights:
    """What a good match is worth, in score points (see :func:`pair_fit`).

    The defaults keep every admissible pair's score positive for up to four on-site visits to
    the islands (serve 10 + one skill 10 + urgency 4 > travel 5 × 4), so "serve it" always beats
    "leave it", and rank the terms the way coordinators do: the skill fit first, then continuity
    (users complain most about changing experts), then urgency and the municipality's preference;
    travel is a cost per on-site visit so that a far expert wins only with clearly better fit.
    """

    serve: float = 10.0
    """Base value of serving a request at all."""
    skill: float = 10.0
    """Per required skill the expert meets."""
    skill_margin: float = 2.0
    """Per level above the required minimum, per skill (a level-5 expert on a level-2 need is
    worth more than a level-2 one, but not more than meeting another skill)."""
    urgency: float = 4.0
    """Per urgency level (1–3): when capacity is short, urgent requests are served first."""
    preference: float = 6.0
    """The municipality named this expert."""
    continuity: float = 12.0
    """This expert is already on the project (also a hard rule, see :func:`fixed_pairs`)."""
    travel: Mapping[tuple[str, str], float] = field(default_factory=lambda: TRAVEL, hash=False)
    """(expert area, request area) → cost per on-site visit; a missing pair costs the maximum."""
    fairness_floor: bool = True
    """Every small body with at least one servable request gets at least one served."""
    floor_all: bool = False
    """Extend the floor to every organisation, not only small bodies (a mid-sized city can
    otherwise be left with nothing when its requests score lower than others')."""
    fairness_penalty: float | None = None
    """Penalty per small body left out; ``None`` = dominating (more than all scores together),
    i.e. the floor comes before any score."""
    per_visit: bool = True
    """Count the fit once per visit served (value delivered), not once per request. Per request,
    scarce capacity goes to one-visit requests first; per visit, a request for two visits a
    month is worth twice one for one visit. It also makes the optimum far easier to prove."""

    def travel_cost(self, expert_area: str, request_area: str) -> float:
        cost = self.travel.get((expert_area, request_area))
        if cost is None:
            return 0.0 if expert_area == request_area else max(self.travel.values(), default=0.0)
        return cost

    def to_dict(self) -> dict[str, Any]:
        return {
            "serve": self.serve,
            "skill": self.skill,
            "skill_margin": self.skill_margin,
            "urgency": self.urgency,
            "preference": self.preference,
            "continuity": self.continuity,
            "travel": {f"{a}>{b}": c for (a, b), c in sorted(self.travel.items())},
            "fairness_floor": self.fairness_floor,
            "floor_all": self.floor_all,
            "fairness_penalty": self.fairness_penalty,
        }


@dataclass(frozen=True)
class Problem:
    """One month's matching: the pool, the open requests, the weights, rules switched off."""

    experts: tuple[Expert, ...]
    requests: tuple[Request, ...]
    weights: Weights = field(default_factory=Weights)
    disabled: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.disabled - set(CONSTRAINTS)
        if unknown:
            raise ValueError(f"unknown constraints in disabled: {sorted(unknown)}")
        for kind, items in (("expert", self.experts), ("request", self.requests)):
            ids = [i.id for i in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate {kind} ids")

    def on(self, constraint: str) -> bool:
        """Is this rule in force?"""
        return constraint not in self.disabled

    def expert_map(self) -> dict[str, Expert]:
        return {e.id: e for e in self.experts}

    def request_map(self) -> dict[str, Request]:
        return {r.id: r for r in self.requests}


# --------------------------------------------------------------------------- admissibility


def mode_compatible(request: Request, expert: Expert) -> bool:
    if request.mode == "onsite":
        return expert.onsite
    if request.mode == "online":
        return expert.online
    return expert.onsite or expert.online


def service_mode(request: Request, expert: Expert) -> str:
    """How the visits happen: ``either`` is served online when the expert works online (no
    travel, and islands are then as easy to serve as Shinjuku), otherwise on site."""
    if request.mode == "online":
        return "online"
    if request.mode == "either" and expert.online:
        return "online"
    return "onsite"


def skills_met(request: Request, expert: Expert) -> bool:
    return all(expert.skills.get(s, 0) >= lvl for s, lvl in request.skills.items())


def admissible(problem: Problem, request: Request, expert: Expert) -> bool:
    """May ``expert`` serve ``request``? Availability and the municipality's exclusions always
    apply; skills, conflicts of interest and mode unless switched off."""
    if not expert.available or expert.id in request.excluded:
        return False
    if problem.on("skills") and not skills_met(request, expert):
        return False
    if problem.on("conflicts") and request.org in expert.conflicts:
        return False
    return not (problem.on("mode") and not mode_compatible(request, expert))


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Fit:
    """The score of one (request, expert) pair: integer ``points`` (weights × :data:`SCALE`)
    and the ``parts`` they are the sum of (``serve``, ``skill:<id>`` per required skill,
    ``urgency``, ``preference``, ``continuity``, ``travel`` — negative)."""

    points: int
    parts: Mapping[str, int] = field(hash=False)
    mode: str = "online"

    @property
    def score(self) -> float:
        return self.points / SCALE

    def breakdown(self) -> dict[str, float]:
        return {k: v / SCALE for k, v in self.parts.items()}


def scaled(value: float) -> int:
    return round(value * SCALE)


def pair_fit(problem: Problem, request: Request, expert: Expert) -> Fit:
    """Score the pair. Each required skill counts ``skill`` plus ``skill_margin`` per level above
    the minimum (below it when skills are switched off or a lock overrides them); travel counts
    per on-site visit from the expert's home area to the request's area."""
    w = problem.weights
    margin = scaled(w.skill_margin)
    parts: dict[str, int] = {"serve": scaled(w.serve)}
    for s in sorted(request.skills):
        parts[f"skill:{s}"] = scaled(w.skill) + margin * (
            expert.skills.get(s, 0) - request.skills[s]
        )
    parts["urgency"] = scaled(w.urgency) * request.urgency
    if request.preferred == expert.id:
        parts["preference"] = scaled(w.preference)
    if request.current == expert.id:
        parts["continuity"] = scaled(w.continuity)
    if w.per_visit and request.visits > 1:
        parts = {k: v * request.visits for k, v in parts.items()}
    mode = service_mode(request, expert)
    if mode == "onsite" and problem.on("travel"):
        cost = scaled(w.travel_cost(expert.area, request.area)) * request.visits
        if cost:
            parts["travel"] = -cost
    return Fit(points=sum(parts.values()), parts=MappingProxyType(parts), mode=mode)


Candidates = dict[str, list[tuple[Expert, Fit]]]
"""Request id → admissible experts with their fit, best first (ties by expert id)."""


def candidates(problem: Problem) -> Candidates:
    """Every admissible pair, scored; each request's list sorted best first."""
    out: Candidates = {}
    for r in problem.requests:
        pairs = [(e, pair_fit(problem, r, e)) for e in problem.experts if admissible(problem, r, e)]
        pairs.sort(key=lambda p: (-p[1].points, p[0].id))
        out[r.id] = pairs
    return out


# --------------------------------------------------------------------------- decided up front


@dataclass(frozen=True)
class LockOverload:
    """Locks alone break an expert's capacity or organisation cap: the month cannot be planned
    as locked."""

    expert: str
    requests: tuple[str, ...]
    visits: int
    capacity: int
    orgs: int
    max_orgs: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "expert": self.expert,
            "requests": list(self.requests),
            "visits": self.visits,
            "capacity": self.capacity,
            "orgs": self.orgs,
            "max_orgs": self.max_orgs,
        }


@dataclass(frozen=True)
class Fixed:
    """Pairs decided before optimising.

    ``locks`` — request → expert the coordinator locked (honoured if the expert exists, is
    available and, unless conflicts are switched off, has no vendor tie with the organisation;
    a lock overrides skills, mode and exclusions: the coordinator knows something the data does
    not). ``continuing`` — request → its current expert, hard. ``soft`` — ongoing requests whose
    expert (listed in ``relaxed``) cannot hold all his continuing work (capacity or organisation
    cap): they fall back to the continuity bonus and the optimiser decides which ones stay.
    ``overloads`` non-empty means the locks themselves are infeasible. ``warnings`` say what was
    ignored or relaxed.
    """

    locks: Mapping[str, str] = field(hash=False)
    continuing: Mapping[str, str] = field(hash=False)
    soft: frozenset[str]
    relaxed: tuple[str, ...]
    overloads: tuple[LockOverload, ...]
    warnings: tuple[str, ...]

    def hard(self) -> dict[str, str]:
        return {**self.continuing, **self.locks}


def fixed_pairs(
    problem: Problem,
    is_admissible: Callable[[Request, Expert], bool] | None = None,
) -> Fixed:
    """Locks and hard continuity.

    Continuity rule: an ongoing request keeps its current expert (hard) when the pair is
    admissible and the expert can hold *all* his continuing requests together with his locks —
    visits within capacity and organisations within his cap. When he cannot, none of his
    continuing requests is forced: picking which ones stay is an optimisation question, so they
    keep only the continuity bonus and the solver chooses (``relaxed`` names the experts). Checking
    per expert, not per request, keeps the forced set feasible by construction.
    """
    check = is_admissible or (lambda r, e: admissible(problem, r, e))
    experts = problem.expert_map()
    warnings: list[str] = []
    locks: dict[str, str] = {}
    if problem.on("locks"):
        for r in problem.requests:
            if r.locked is None:
                continue
            e = experts.get(r.locked)
            if e is None:
                warnings.append(f"lock of {r.id} ignored: unknown expert {r.locked}")
            elif not e.available:
                warnings.append(f"lock of {r.id} ignored: {e.id} is not available")
            elif problem.on("conflicts") and r.org in e.conflicts:
                warnings.append(f"lock of {r.id} ignored: {e.id} has a conflict with {r.org}")
            else:
                locks[r.id] = e.id
    reqs = problem.request_map()
    by_expert: dict[str, list[Request]] = {}
    for rid, eid in locks.items():
        by_expert.setdefault(eid, []).append(reqs[rid])

    overloads: list[LockOverload] = []
    for eid, rs in sorted(by_expert.items()):
        e = experts[eid]
        visits = sum(r.visits for r in rs)
        orgs = len({r.org for r in rs})
        over_cap = problem.on("capacity") and visits > e.capacity
        over_orgs = problem.on("org_cap") and e.max_orgs > 0 and orgs > e.max_orgs
        if over_cap or over_orgs:
            overloads.append(
                LockOverload(
                    expert=eid,
                    requests=tuple(sorted(r.id for r in rs)),
                    visits=visits,
                    capacity=e.capacity,
                    orgs=orgs,
                    max_orgs=e.max_orgs,
                )
            )

    continuing: dict[str, str] = {}
    soft: set[str] = set()
    relaxed: list[str] = []
    if problem.on("continuity"):
        ongoing: dict[str, list[Request]] = {}
        for r in problem.requests:
            if r.current is None or r.id in locks:
                continue
            e = experts.get(r.current)
            if e is not None and check(r, e):
                ongoing.setdefault(e.id, []).append(r)
        for eid, rs in sorted(ongoing.items()):
            e = experts[eid]
            together = rs + by_expert.get(eid, [])
            fits = not problem.on("capacity") or sum(r.visits for r in together) <= e.capacity
            n_orgs = len({r.org for r in together})
            fits_orgs = not problem.on("org_cap") or e.max_orgs == 0 or n_orgs <= e.max_orgs
            if fits and fits_orgs:
                continuing.update({r.id: eid for r in rs})
            else:
                soft.update(r.id for r in rs)
                relaxed.append(eid)
    if relaxed:
        names = ", ".join(relaxed[:5]) + (
            f" and {len(relaxed) - 5} more" if len(relaxed) > 5 else ""
        )
        warnings.append(
            f"continuity relaxed for {len(relaxed)} expert(s) who cannot hold all their "
            f"continuing requests: {names}"
        )
    return Fixed(
        locks=MappingProxyType(locks),
        continuing=MappingProxyType(continuing),
        soft=frozenset(soft),
        relaxed=tuple(relaxed),
        overloads=tuple(overloads),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class Reason:
    """Why a request is not served: a stable ``code`` and structured ``detail``."""

    code: str
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": dict(self.detail), "message": self.message}


@dataclass(frozen=True)
class Suggestion:
    """What would make the request servable (``lower_level``, ``switch_online``,
    ``fewer_visits``, ``wait_for_capacity`` …), with the numbers that back it."""

    code: str
    detail: Mapping[str, Any] = field(default_factory=dict, hash=False)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": dict(self.detail), "message": self.message}


@dataclass(frozen=True)
class Unassigned:
    """A request left without an expert, with the reasons and the way out (never empty)."""

    request: str
    reasons: tuple[Reason, ...]
    suggestions: tuple[Suggestion, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "reasons": [r.to_dict() for r in self.reasons],
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


@dataclass(frozen=True)
class Proposal:
    """The expert proposed for a request. ``breakdown`` explains the ``score`` term by term;
    ``mode`` is how the visits happen; ``locked``/``continuing`` say it was decided up front."""

    request: str
    expert: str
    score: float
    breakdown: Mapping[str, float] = field(hash=False)
    mode: str = "online"
    locked: bool = False
    continuing: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "expert": self.expert,
            "score": self.score,
            "breakdown": dict(self.breakdown),
            "mode": self.mode,
            "locked": self.locked,
            "continuing": self.continuing,
        }


@dataclass(frozen=True)
class Alternative:
    """Another admissible expert for a request, for the municipality to rank: his score and the
    visits he still has free in this answer (a full expert is still a valid choice for next
    month, or if the coordinator moves work)."""

    expert: str
    score: float
    breakdown: Mapping[str, float] = field(hash=False)
    free_visits: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "expert": self.expert,
            "score": self.score,
            "breakdown": dict(self.breakdown),
            "free_visits": self.free_visits,
        }


STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "unknown")


@dataclass(frozen=True)
class Assignment:
    """The answer of a matching run.

    ``objective`` = total score of the proposals − fairness penalty × small bodies left out
    (``fairness_violations``); with no violation it is the total score. ``bound`` is the
    solver's proven upper bound on it (``None`` when the method proves none, e.g. greedy) and
    ``gap`` = (bound − objective) / max(1, |bound|), 0 when optimal. ``time_limited`` — the
    search stopped at the time limit. ``alternatives`` maps every request with admissible
    experts to up to three others, best first.
    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    solve_s: float
    time_limited: bool
    proposals: tuple[Proposal, ...]
    alternatives: Mapping[str, tuple[Alternative, ...]] = field(hash=False)
    unassigned: tuple[Unassigned, ...]
    fairness_violations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    method: str = "cp-sat"

    def expert_of(self) -> dict[str, str]:
        """Request id → proposed expert id."""
        return {p.request: p.expert for p in self.proposals}

    @property
    def total_score(self) -> float:
        return sum(p.score for p in self.proposals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solve_s": self.solve_s,
            "time_limited": self.time_limited,
            "method": self.method,
            "proposals": [p.to_dict() for p in self.proposals],
            "alternatives": {
                rid: [a.to_dict() for a in alts] for rid, alts in sorted(self.alternatives.items())
            },
            "unassigned": [u.to_dict() for u in self.unassigned],
            "fairness_violations": list(self.fairness_violations),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------- fairness


def small_orgs(problem: Problem) -> frozenset[str]:
    """Organisations protected by the floor: any of their requests is marked ``small``."""
    return frozenset(r.org for r in problem.requests if r.small)


def floor_orgs(problem: Problem, servable: Callable[[Request], bool]) -> frozenset[str]:
    """Small organisations the floor applies to: those with at least one servable request
    (an organisation whose every request is impossible cannot be helped by the floor; the
    diagnosis of those requests says why). Empty when the floor is off."""
    if not (problem.weights.fairness_floor and problem.on("fairness")):
        return frozenset()
    small = (
        frozenset(r.org for r in problem.requests)
        if problem.weights.floor_all
        else small_orgs(problem)
    )
    return frozenset(r.org for r in problem.requests if r.org in small and servable(r))


def fairness_penalty_points(problem: Problem, cands: Candidates, fixed: Fixed) -> int:
    """The penalty per small body left out, in points. Dominating by default: one more than the
    sum over requests of their best positive score, so no set of scores can pay for a violation
    and the floor is lexicographically first, yet the model stays always feasible."""
    w = problem.weights
    if w.fairness_penalty is not None:
        return scaled(w.fairness_penalty)
    experts = problem.expert_map()
    reqs = problem.request_map()
    total = 0
    for rid, pairs in cands.items():
        best = max((f.points for _, f in pairs), default=0)
        lock = fixed.locks.get(rid)
        if lock is not None:
            best = max(best, pair_fit(problem, reqs[rid], experts[lock]).points)
        total += max(best, 0)
    return total + 1
