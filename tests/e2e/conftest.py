"""Browser end-to-end fixtures: the real stack (gunicorn + worker) on a fresh SQLite database,
driven by Debian's Chromium through Playwright.

The tests talk to the server over HTTP only; they never touch the database directly, so none of
pytest-django's database fixtures are used here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import BIN, CHROMIUM, LOGS_DIR, MO_FILE, REPO, Server
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)

STARTUP_TIMEOUT = 30.0
COMMAND_TIMEOUT = 600.0  # seed_demo replays the gateway history through the real train

# Variables of the caller's shell that would point the server somewhere else than the fresh
# demo database (or switch it into test/production behaviour).
_SCRUBBED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "TASKS_BACKEND",
    "TSUNAGU_ENV",
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "WEBAUTHN_RP_ID",
    "ALLOWED_HOSTS",
    "EMAIL_BACKEND",
    "LOGIN_FAILURE_LIMIT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


# --- failure bookkeeping (to dump server logs when something failed) ----------------------

_FAILED: list[str] = []
_SERVER_LOGS: dict[str, Path] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _FAILED.append(item.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FAILED or not _SERVER_LOGS:
        return
    terminalreporter.section("tsunagu server logs (e2e)")
    for name, path in _SERVER_LOGS.items():
        text = path.read_text(errors="replace") if path.exists() else "(no log)"
        tail = "\n".join(text.splitlines()[-80:])
        terminalreporter.write_line(f"----- {name}: {path} (last 80 lines) -----")
        terminalreporter.write_line(tail)


# --- the stack --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(
        cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode})\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _wait_healthy(url: str, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - local URL
                if resp.status == 200:
                    return
                last = f"status {resp.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {STARTUP_TIMEOUT:.0f} s (last: {last})")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Migrate, seed and collect static files into a fresh var dir; run gunicorn + worker."""
    var_dir = tmp_path_factory.mktemp("tsunagu-var")
    port = _free_port()
    base_url = f"http://localhost:{port}"  # not 127.0.0.1: WebAuthn refuses IP addresses
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update(
        {
            "TSUNAGU_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "tsunagu.config.settings",
            "CANONICAL_HOST": "",
            "BASE_URL": base_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    tsunagu = str(BIN / "tsunagu")
    _run([tsunagu, "migrate", "--noinput", "-v0"], env)
    _run([tsunagu, "seed_demo", "--quiet"], env)
    _run([tsunagu, "collectstatic", "--noinput", "-v0"], env)

    if LOGS_DIR.exists():
        shutil.rmtree(LOGS_DIR)
    LOGS_DIR.mkdir(parents=True, exist_ok=True)
    logs = {"gunicorn": LOGS_DIR / "gunicorn.log", "worker": LOGS_DIR / "worker.log"}
    _SERVER_LOGS.update(logs)
    ja_catalog = MO_FILE.exists()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    handles = [open(p, "wb") for p in logs.values()]  # noqa: SIM115 - closed below
    try:
        procs["gunicorn"] = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "tsunagu.config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=REPO,
            stdout=handles[0],
            stderr=subprocess.STDOUT,
        )
        procs["worker"] = subprocess.Popen(
            [tsunagu, "worker", "--interval", "0.2"],
            env=env,
            cwd=REPO,
            stdout=handles[1],
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(f"{base_url}/healthz", procs)
        except RuntimeError as exc:
            for h in handles:
                h.flush()
            dump = "\n".join(
                f"--- {name} ---\n{path.read_text(errors='replace')[-5000:]}"
                for name, path in logs.items()
            )
            raise RuntimeError(f"{exc}\n{dump}") from exc
        yield Server(base_url=base_url, var_dir=var_dir, ja_catalog=ja_catalog, logs=logs)
    finally:
        for proc in procs.values():
            _stop(proc)
        for h in handles:
            h.close()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # synchronous ORM calls while it sees one. The tests never use the ORM, but pytest-django
    # may touch Django while they run. Set only while the browser runs, so that collecting
    # this directory does not relax the check for the rest of the suite.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Factory for fresh browser contexts (closed at the end of the test)."""
    made: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        options: dict[str, Any] = {"locale": "ja-JP", "viewport": {"width": 1280, "height": 900}}
        options.update(kwargs)
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(15_000)
        ctx.set_default_navigation_timeout(20_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def a11y_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page whose CSP is bypassed, so that axe-core can be injected."""
    return new_context(bypass_csp=True).new_page()
