"""Rendering a version's artifacts, incrementally, and validating them with the real tools."""

from __future__ import annotations

import atexit
import concurrent.futures
import datetime as dt
import hashlib
import multiprocessing
import os
import shutil
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from django.conf import settings

from tsunagu.engines.policy import model as m
from tsunagu.engines.render import PacOptions, RenderOptions, SquidOptions

from . import adapters
from .models import Artifact, ArtifactBlob, PolicyVersion


class ArtifactError(Exception):
    """A renderer failed, or a real validator refused what it rendered."""


_CACHE: dict[str, dict[str, str]] = {}
"""Rendered files by render fingerprint. Rendering is a pure function of what the fingerprint
covers, so identical inputs (a rollback, an unchanged organisation) are rendered once per
process."""
_CACHE_MAX = 512
_VALIDATED: set[str] = set()
"""Content hashes the real validators accepted in this process."""


@lru_cache(maxsize=1)
def render_options() -> RenderOptions:
    """Renderer options from settings: the proxy address and the URL-category lists."""
    path = settings.GATEWAY_URL_CATEGORIES_FILE
    if path:
        text = Path(path).read_text("utf-8")
    else:
        text = (
            resources.files("tsunagu.gateway")
            .joinpath("data/url_categories.yaml")
            .read_text("utf-8")
        )
    categories = {str(k): tuple(v) for k, v in (yaml.safe_load(text) or {}).items()}
    _host, _, port = settings.GATEWAY_PROXY.partition(":")
    return RenderOptions(
        pac=PacOptions(proxies=(settings.GATEWAY_PROXY,)),
        squid=SquidOptions(categories=categories, port=int(port or 8080)),
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


PARALLEL_MIN_RULES = 300
"""Sections with at least this many rules render their firewall platforms in parallel."""
_POOL: concurrent.futures.ProcessPoolExecutor | None = None


def _pool_close() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=True)
        _POOL = None  # collected now, while the interpreter is still whole


def _pool() -> concurrent.futures.ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # "spawn": a forked child would inherit this process's database connections.
        ctx = multiprocessing.get_context("spawn")
        _POOL = concurrent.futures.ProcessPoolExecutor(
            max_workers=os.cpu_count() or 2, mp_context=ctx
        )
        atexit.register(_pool_close)
    return _POOL


def _reduced(snapshot: m.PolicySnapshot, key: str) -> m.PolicySnapshot:
    """What one section's artifacts depend on: the section, the shared section and every
    address plan (the "internet" complement), without the other sections' rules."""
    orgs = {
        code: sec if code == key else m.Section(org=code, address_plan=sec.address_plan)
        for code, sec in snapshot.orgs.items()
    }
    return replace(snapshot, orgs=orgs)


def _render_one(
    snapshot: m.PolicySnapshot, key: str, today: dt.date, opts: RenderOptions
) -> dict[str, str]:
    from tsunagu.engines.render import render_section

    section = snapshot.section(key)
    if len(section.rules) + len(section.post_rules) < PARALLEL_MIN_RULES or len(opts.platforms) < 2:
        return render_section(snapshot, key, today=today, options=opts)
    small = _reduced(snapshot, key)
    futures = [
        _pool().submit(
            render_section, small, key, today=today, options=replace(opts, platforms=(p,))
        )
        for p in opts.platforms
    ]
    files: dict[str, str] = {}
    for future in futures:
        files.update(future.result())
    return dict(sorted(files.items()))


def _render_keys(
    snapshot: m.PolicySnapshot, prints: dict[str, str], keys: list[str], today: dt.date
) -> dict[str, dict[str, str]]:
    from tsunagu.engines.render import PROXY_KEY, RenderError, render_proxy

    out: dict[str, dict[str, str]] = {}
    try:
        for key in keys:
            cached = _CACHE.get(prints[key])
            if cached is None:
                if key == PROXY_KEY:
                    cached = render_proxy(snapshot, today=today, options=render_options())
                else:
                    cached = _render_one(snapshot, key, today, render_options())
                if len(_CACHE) >= _CACHE_MAX:
                    _CACHE.clear()
                _CACHE[prints[key]] = cached
            out[key] = cached
    except RenderError as exc:
        raise ArtifactError(str(exc)) from exc
    return out


def _validate(files: dict[str, str]) -> set[str]:
    """Run the real validators on files not validated before; returns the accepted paths.
    Raises :class:`ArtifactError` on any refusal."""
    if not settings.GATEWAY_VALIDATE_ARTIFACTS:
        return set()
    if not all(shutil.which(t) for t in ("nft", "squid", "postmap")):
        return set()
    from .validators import validate_artifacts

    todo = {p: t for p, t in files.items() if _sha(t) not in _VALIDATED}
    if any(p.startswith("squid/") for p in todo):  # squid.conf includes ssl_bump.conf
        todo.update({p: t for p, t in files.items() if p.startswith("squid/")})
    skipped: set[str] = set()
    if todo:
        for res in validate_artifacts(todo):
            if res.skipped:
                skipped.add(res.path)  # no such tool build here (e.g. squid without SslBump)
            elif not res.ok:
                detail = "; ".join(res.errors[:3])
                raise ArtifactError(f"{res.tool} refused {res.path}: {detail}")
        _VALIDATED.update(_sha(t) for p, t in todo.items() if p not in skipped)
    return {p for p in files if p not in skipped}


def section_of(key: str) -> str:
    """Manifest-style label of a render key (the proxy belongs to the shared section)."""
    from tsunagu.engines.render import PROXY_KEY

    return "shared" if key in (m.SHARED, PROXY_KEY) else key


def publication_set(version: PolicyVersion) -> tuple[dict[str, str], dict[str, str]]:
    """What publishing ``version`` needs: (files whose content differs from the parent
    version's file at the same path, path → text) and (files carried over unchanged,
    path → sha256). Only the first loads artifact text from the database."""
    parent = {}
    if version.parent is not None:
        parent = dict(version.parent.artifacts.values_list("path", "blob__sha256"))
    mine = dict(version.artifacts.values_list("path", "blob__sha256"))
    carried = {p: sha for p, sha in mine.items() if parent.get(p) == sha}
    changed = {
        a.path: a.blob.text
        for a in version.artifacts.select_related("blob").exclude(path__in=list(carried))
    }
    return changed, carried


def render_version(version: PolicyVersion, *, today: dt.date) -> None:
    """All files of ``version``. Keys whose render fingerprint did not change since the parent
    reuse its artifacts; only the others are rendered and validated. Idempotent."""
    if version.artifacts.exists():
        return
    from tsunagu.engines.render import PROXY_KEY, RENDERER_VERSION

    snapshot = adapters.snapshot_of(version)
    parent = version.parent
    reuse: list[Artifact] = []
    keys = [m.SHARED, *sorted(snapshot.orgs), PROXY_KEY]
    changed = keys
    if parent is not None and parent.artifacts.exists():
        # Section documents are content-addressed: a section whose hash, the shared section's
        # hash and the address plans (inside the documents) are unchanged renders the same.
        old, new = parent.manifest, version.manifest
        if old.get("shared") == new.get("shared") and set(old) == set(new):
            changed = [k for k in keys[1:-1] if old.get(k) != new.get(k)] + [PROXY_KEY]
        labels = {section_of(k) for k in changed}
        reuse = [a for a in parent.artifacts.select_related("blob") if a.section not in labels]
    opts = render_options()
    # Cache keys: everything a key's files can depend on is in the manifest (content hashes of
    # every section, address plans included), the day (expiry) and the options. Cheaper than
    # the renderer's own per-section fingerprints, which serialise every section again.
    manifest = adapters.canonical_json(version.manifest)
    basis = f"{RENDERER_VERSION}|{today.isoformat()}|{opts.to_dict()}|{manifest}"
    prints = {k: _sha(f"{basis}|{k}") for k in changed}
    rendered = _render_keys(snapshot, prints, changed, today)
    new_files: dict[str, tuple[str, str]] = {}  # path -> (section label, text)
    for key, files in rendered.items():
        for path, text in files.items():
            new_files[path] = (section_of(key), text)
    reuse = [a for a in reuse if a.path not in new_files]
    accepted = _validate({p: t for p, (_k, t) in new_files.items()})
    blobs = {_sha(t): t for _k, t in new_files.values()}
    have = set(ArtifactBlob.objects.filter(sha256__in=blobs).values_list("sha256", flat=True))
    ArtifactBlob.objects.bulk_create(
        [ArtifactBlob(sha256=s, text=t) for s, t in blobs.items() if s not in have],
        ignore_conflicts=True,
    )
    by_sha = {b.sha256: b for b in ArtifactBlob.objects.filter(sha256__in=blobs)}
    rows = [
        Artifact(
            version=version,
            section=key,
            path=path,
            blob=by_sha[_sha(text)],
            validated="yes" if path in accepted else "",
        )
        for path, (key, text) in new_files.items()
    ]
    rows += [
        Artifact(
            version=version, section=a.section, path=a.path, blob=a.blob, validated=a.validated
        )
        for a in reuse
    ]
    Artifact.objects.bulk_create(rows, ignore_conflicts=True)
