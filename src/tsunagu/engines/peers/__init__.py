"""Finding peer projects: "who did this, who is about to".

Entry point: :func:`~.similarity.find_peers` ranks the projects of other organisations on the
same topic by a similarity score made of three visible parts (size, timing, network model);
:func:`~.similarity.score` explains one pair. Frozen dataclasses in and out, no Django.
"""

from .similarity import (
    DONE_STAGES,
    STAGES,
    PeerMatch,
    PeerResult,
    ProjectFacts,
    Weights,
    find_peers,
    months_between,
    rank,
    score,
)

__all__ = [
    "DONE_STAGES",
    "STAGES",
    "PeerMatch",
    "PeerResult",
    "ProjectFacts",
    "Weights",
    "find_peers",
    "months_between",
    "rank",
    "score",
]
