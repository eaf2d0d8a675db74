"""Rendering in parallel gives byte-identical artifacts to rendering in one process."""

from __future__ import annotations

from tsunagu.engines.render import render_section
from tsunagu.engines.tests.snapshots import MUSASHINO, OPTIONS, TODAY, big_section_snapshot
from tsunagu.gateway import artifacts


def test_parallel_platform_rendering_matches_serial():
    snapshot = big_section_snapshot(artifacts.PARALLEL_MIN_RULES + 20)
    serial = render_section(snapshot, MUSASHINO, today=TODAY, options=OPTIONS)
    parallel = artifacts._render_one(snapshot, MUSASHINO, TODAY, OPTIONS)
    assert parallel == serial
    assert any(p.startswith("paloalto/") for p in parallel)
