"""HTML to PDF with headless Chromium: the printer behind every PDF the platform makes."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders


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
