"""Matching shared digital experts to municipalities' requests.

Entry points: :func:`~.solve.solve` (the monthly matching with every rule, CP-SAT),
:func:`~.greedy.greedy` (first-come baseline), :func:`~.flow.solve_core` (the core model at
stress scale, min-cost flow) and :func:`~.diagnose.diagnose` (why a request is not served and
what would change that). Data types and scoring are in :mod:`.model`, quality figures in
:mod:`.metrics`; the skill taxonomy (``data/skills.yaml``) is in :mod:`.taxonomy`.
"""
