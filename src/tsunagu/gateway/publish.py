"""Publishing adapters: how rendered artifacts reach the devices.

The default writes versioned files into one directory per device group and then flips a
``CURRENT`` pointer, so a device (or an operator's sync job) always sees a complete version.
An optional webhook is told about each publication; its failure fails the publication, which
the release train retries. Operators can plug in their own adapter with
``GATEWAY_PUBLISHER = "dotted.path.Class"``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class PublishError(Exception):
    """The publication did not complete; nothing may be marked applied."""


class Publisher(Protocol):
    def publish(
        self, *, version: int, files: Mapping[str, str], carried: Mapping[str, str] | None = None
    ) -> None:
        """Publish ``files`` (path → text) and ``carried`` (path → sha256 of a file unchanged
        since the previous publication). Raise :class:`PublishError` when a carried file is
        not at hand: the caller then sends everything as ``files``."""


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DirectoryPublisher:
    """``<root>/<device group>/v<N>/<file>`` plus ``<root>/<device group>/CURRENT``."""

    def __init__(self, root: str | Path | None = None, webhook: str | None = None) -> None:
        self.root = Path(root or settings.GATEWAY_PUBLISH_DIR)
        self.webhook = settings.GATEWAY_PUBLISH_WEBHOOK if webhook is None else webhook

    def publish(
        self, *, version: int, files: Mapping[str, str], carried: Mapping[str, str] | None = None
    ) -> None:
        groups: dict[str, dict[str, str]] = {}
        kept: dict[str, dict[str, str]] = {}
        for path, text in files.items():
            group, _, rest = path.partition("/")
            groups.setdefault(group, {})[rest or group] = text
        for path, sha in (carried or {}).items():
            group, _, rest = path.partition("/")
            groups.setdefault(group, {})
            kept.setdefault(group, {})[rest or group] = sha
        try:
            for group, group_files in sorted(groups.items()):
                self._publish_group(group, version, group_files, kept.get(group, {}))
        except OSError as exc:
            raise PublishError(f"writing artifacts failed: {exc}") from exc
        if self.webhook:
            self._notify(version, files, carried or {})
        # Devices follow CURRENT: it moves only once everything else has succeeded.
        try:
            for group in sorted(groups):
                _atomic_write(self.root / group / "CURRENT", f"v{version}\n")
        except OSError as exc:
            raise PublishError(f"switching to the new version failed: {exc}") from exc

    def _previous(self, group: str) -> tuple[Path, dict[str, str]] | None:
        """The group's currently published directory and its manifest, if any."""
        pointer = self.root / group / "CURRENT"
        if not pointer.exists():
            return None
        prev = self.root / group / pointer.read_text().strip()
        try:
            return prev, json.loads((prev / "MANIFEST.json").read_text())
        except (OSError, ValueError):
            return None

    def _publish_group(
        self,
        group: str,
        version: int,
        group_files: Mapping[str, str],
        kept: Mapping[str, str],
    ) -> None:
        base = self.root / group / f"v{version}"
        manifest = {
            rel: hashlib.sha256(t.encode()).hexdigest() for rel, t in sorted(group_files.items())
        }
        previous = self._previous(group)
        if previous is not None and previous[0].resolve() == base.resolve():
            previous = None  # a retry of this very version: write the files again
        for rel, sha in sorted(kept.items()):
            # Carried over unchanged: a hard link to the published copy, never a rewrite.
            if previous is None or previous[1].get(rel) != sha:
                raise PublishError(f"{group}/{rel} is not in the published version")
            source, target = previous[0] / rel, (base / rel)
            if not str(target.resolve()).startswith(str(base.resolve()) + os.sep):
                raise PublishError(f"refusing to write outside the version directory: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            os.link(source, target)
            manifest[rel] = sha
        manifest = dict(sorted(manifest.items()))
        for rel, text in sorted(group_files.items()):
            target = (base / rel).resolve()
            if not str(target).startswith(str(base.resolve()) + os.sep):
                raise PublishError(f"refusing to write outside the version directory: {rel}")
            if previous is not None and previous[1].get(rel) == manifest[rel]:
                # Unchanged since the published version: a hard link, not another copy.
                source = previous[0] / rel
                if source.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.unlink(missing_ok=True)
                    os.link(source, target)
                    continue
            _atomic_write(target, text)
        _atomic_write(base / "MANIFEST.json", json.dumps(manifest, indent=1))

    def _notify(self, version: int, files: Mapping[str, str], carried: Mapping[str, str]) -> None:
        shas = {p: hashlib.sha256(t.encode()).hexdigest() for p, t in files.items()}
        shas.update(carried)
        body = json.dumps({"version": version, "files": dict(sorted(shas.items()))}).encode()
        secret = settings.GATEWAY_PUBLISH_WEBHOOK_SECRET.encode()
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(  # noqa: S310 - the operator configures an https/http URL
            self.webhook,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Tsunagu-Signature": signature},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                if not 200 <= resp.status < 300:
                    raise PublishError(f"webhook answered {resp.status}")
        except urllib.error.HTTPError as exc:
            raise PublishError(f"webhook answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PublishError(f"webhook unreachable: {exc}") from exc


def get_publisher() -> Publisher:
    path = getattr(settings, "GATEWAY_PUBLISHER", "")
    if path:
        cls = import_string(path)
        return cls()  # type: ignore[no-any-return]
    return DirectoryPublisher()
