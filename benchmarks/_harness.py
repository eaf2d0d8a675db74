"""Shared harness: a throw-away database, timing, and the JSON summary."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django() -> None:
    """Configure Django on a fresh SQLite file (or DATABASE_URL if given) and migrate."""
    if "DATABASE_URL" not in os.environ:
        os.environ["TSUNAGU_VAR_DIR"] = tempfile.mkdtemp(prefix="tsunagu-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def best_of(fn: Callable[[], None], repeat: int = 5) -> float:
    """Median of ``repeat`` runs, in seconds (noisy machines: compare medians, not minima)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(name: str, figures: dict[str, float], command: str) -> None:
    for key, value in figures.items():
        print(f"{name}: {key} = {value:.4g}")
    print(f"reproduce: {command}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"benchmark": name, "figures": figures, "command": command}, indent=2) + "\n"
    )
