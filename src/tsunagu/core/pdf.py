"""HTML to PDF with headless Chromium: the printer behind every PDF the platform makes."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone


def print_css() -> str:
    """The stylesheet of printed documents (``static/css/report.css``)."""
    path = finders.find("css/report.css")
    return Path(str(path)).read_text(encoding="utf-8") if path else ""


def html_to_pdf(html: str, *, timeout: int | None = None) -> bytes:
    """Print HTML to PDF. Raises RuntimeError with Chromium's message when nothing is printed.

    Chromium runs headless in a throw-away profile directory, with the page loaded from a
    temporary file, so no network access is needed.
    """
    timeout = timeout or settings.NETWORK_REPORT_TIMEOUT_S
    with tempfile.TemporaryDirectory(prefix="tsunagu-pdf-") as tmp:
        page = Path(tmp) / "document.html"
        out = Path(tmp) / "document.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [
            settings.CHROMIUM_BIN,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            "--no-first-run",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        proc = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            cmd, capture_output=True, timeout=timeout, check=False
        )
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(
                (proc.stderr or proc.stdout).decode("utf-8", "replace")[-500:]
                or "Chromium produced no PDF"
            )
        return out.read_bytes()


def print_export(export: Any, render: Callable[[], str]) -> dict[str, Any]:
    """The body of a PDF export job: print ``render()`` into ``export`` (a row with ``status``
    queued/running/done/failed, ``pdf``, ``size``, ``error``, ``finished_at`` and optionally
    ``started_at``). A finished export is left alone, so a retried job prints nothing twice."""
    if export.status == "done":
        return {"id": export.pk, "status": export.status}
    export.status = "running"
    running = ["status"]
    if hasattr(export, "started_at"):
        export.started_at = timezone.now()
        running.append("started_at")
    export.save(update_fields=running)
    try:
        pdf = html_to_pdf(render())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        export.status = "failed"
        export.error = str(exc)[:2000]
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return {"id": export.pk, "status": export.status, "error": export.error}
    export.pdf = pdf
    export.size = len(pdf)
    export.status = "done"
    export.finished_at = timezone.now()
    export.save(update_fields=["pdf", "size", "status", "finished_at"])
    return {"id": export.pk, "status": export.status, "bytes": len(pdf)}
