"""The skill taxonomy of expert matching: packaged, editable YAML (``data/skills.yaml``).

The taxonomy is data, not code: an operator adds a skill or a synonym by editing the YAML file.
Each skill has an ``id``, a ``label`` and a ``description`` in Japanese and English, and the
``synonyms`` a municipal officer would write in a free-text request; the free-text suggestion
(:mod:`tsunagu.engines.matching.suggest`) matches those synonyms. The taxonomy also describes
proficiency ``levels`` 1 to 5, shared by every skill.

A file is checked completely when it is loaded: a missing or unknown key, a wrong type, a
duplicate id or synonym raises :class:`TaxonomyError` naming the skill and the key, so a broken
file never reaches a suggestion.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

LANGS: tuple[str, ...] = ("ja", "en")
LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
PACKAGED_FILE = "skills.yaml"

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TOP_KEYS = frozenset({"version", "updated", "levels", "skills"})
_SKILL_KEYS = frozenset({"id", "label", "description", "synonyms"})


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used: names the file, the skill and the key."""

    def __init__(self, message: str, *, skill: str = "", key: str = "", source: str = "") -> None:
        where = " ".join(
            part
            for part in (
                source and f"{source}:",
                skill and f"skill {skill!r}",
                key and f"key {key!r}",
            )
            if part
        )
        super().__init__(f"{where} {message}" if where else message)
        self.skill = skill
        self.key = key
        self.source = source


@dataclass(frozen=True)
class Skill:
    """One field of expertise. ``label`` and ``description`` map a language (``ja``, ``en``) to
    text; ``synonyms`` are the free-text terms that suggest this skill, in file order."""

    id: str
    label: Mapping[str, str] = field(hash=False)
    description: Mapping[str, str] = field(hash=False)
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """The skills in file order, the level descriptions and the file's version."""

    version: str
    updated: dt.date
    skills: tuple[Skill, ...]
    levels: Mapping[int, Mapping[str, str]] = field(hash=False, default_factory=dict)
    source: str = field(default="", compare=False)

    def ids(self) -> tuple[str, ...]:
        """Skill ids in file order."""
        return tuple(s.id for s in self.skills)

    def skill(self, skill_id: str) -> Skill:
        """The skill with ``skill_id``; ``KeyError`` if there is none."""
        for s in self.skills:
            if s.id == skill_id:
                return s
        raise KeyError(f"no skill {skill_id!r} in taxonomy {self.version!r}")

    def __contains__(self, skill_id: object) -> bool:
        return any(s.id == skill_id for s in self.skills)

    def label(self, skill_id: str, lang: str = "ja") -> str:
        """The label of a skill in ``lang``, falling back to Japanese for another language."""
        labels = self.skill(skill_id).label
        return labels.get(lang) or labels["ja"]

    def level(self, level: int, lang: str = "ja") -> str:
        """The description of proficiency ``level`` (1 to 5) in ``lang`` (fallback Japanese)."""
        texts = self.levels[level]
        return texts.get(lang) or texts["ja"]


# ------------------------------------------------------------------------------ reading


def _texts(value: Any, *, skill: str, key: str, source: str) -> Mapping[str, str]:
    """A ``{ja: ..., en: ...}`` mapping with both languages as non-empty strings."""
    if not isinstance(value, Mapping):
        raise TaxonomyError(
            "must be a mapping {ja: ..., en: ...}", skill=skill, key=key, source=source
        )
    unknown = sorted(str(k) for k in value if k not in LANGS)
    if unknown:
        raise TaxonomyError(
            f"unknown language(s) {', '.join(unknown)} (known: {', '.join(LANGS)})",
            skill=skill,
            key=key,
            source=source,
        )
    out: dict[str, str] = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise TaxonomyError(
                f"needs a non-empty {lang!r} text", skill=skill, key=key, source=source
            )
        out[lang] = text.strip()
    return MappingProxyType(out)


def _synonym_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _skill(raw: Any, index: int, seen: set[str], source: str) -> Skill:
    if not isinstance(raw, Mapping):
        raise TaxonomyError(f"skill #{index + 1} must be a mapping", key="skills", source=source)
    sid = raw.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise TaxonomyError(
            f"skill #{index + 1} needs an id of lower-case letters, digits and '_' (got {sid!r})",
            skill=str(sid) if sid is not None else "",
            key="id",
            source=source,
        )
    if sid in seen:
        raise TaxonomyError("duplicate id", skill=sid, key="id", source=source)
    seen.add(sid)
    unknown = sorted(str(k) for k in raw if k not in _SKILL_KEYS)
    if unknown:
        raise TaxonomyError(
            f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_SKILL_KEYS))})",
            skill=sid,
            key=unknown[0],
            source=source,
        )
    label = _texts(raw.get("label"), skill=sid, key="label", source=source)
    description = _texts(raw.get("description"), skill=sid, key="description", source=source)
    raw_synonyms = raw.get("synonyms")
    if not isinstance(raw_synonyms, list) or not raw_synonyms:
        raise TaxonomyError(
            "must be a non-empty list of terms", skill=sid, key="synonyms", source=source
        )
    synonyms: list[str] = []
    keys: set[str] = set()
    for term in raw_synonyms:
        # YAML turns bare numbers and yes/no into other types: a synonym must be quoted then.
        if not isinstance(term, str) or not term.strip():
            raise TaxonomyError(
                f"synonym {term!r} must be a non-empty string (quote it in YAML)",
                skill=sid,
                key="synonyms",
                source=source,
            )
        key = _synonym_key(term)
        if key in keys:
            raise TaxonomyError(
                f"duplicate synonym {term!r}", skill=sid, key="synonyms", source=source
            )
        keys.add(key)
        synonyms.append(term.strip())
    return Skill(id=sid, label=label, description=description, synonyms=tuple(synonyms))


def taxonomy_from_dict(data: Any, source: str = "") -> Taxonomy:
    """Build and check a :class:`Taxonomy`; raises :class:`TaxonomyError` on any problem."""
    if not isinstance(data, Mapping):
        raise TaxonomyError("the file must hold a mapping at the top level", source=source)
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise TaxonomyError(
            f"unknown top-level key(s) {', '.join(unknown)}", key=unknown[0], source=source
        )
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        raise TaxonomyError("needs a non-empty version", key="version", source=source)
    updated = data.get("updated")
    if isinstance(updated, str):
        try:
            updated = dt.date.fromisoformat(updated)
        except ValueError:
            updated = None
    if isinstance(updated, dt.datetime):
        updated = updated.date()
    if not isinstance(updated, dt.date):
        raise TaxonomyError("needs a date YYYY-MM-DD", key="updated", source=source)

    raw_levels = data.get("levels")
    if not isinstance(raw_levels, Mapping):
        raise TaxonomyError("must map levels 1 to 5 to {ja, en}", key="levels", source=source)
    keys = {k for k in raw_levels if isinstance(k, int) and not isinstance(k, bool)}
    if keys != set(LEVELS) or len(raw_levels) != len(LEVELS):
        raise TaxonomyError(
            f"must have exactly the levels 1 to 5 (got {sorted(map(str, raw_levels))})",
            key="levels",
            source=source,
        )
    levels = MappingProxyType(
        {n: _texts(raw_levels[n], skill="", key=f"levels.{n}", source=source) for n in LEVELS}
    )

    raw_skills = data.get("skills")
    if not isinstance(raw_skills, list) or not raw_skills:
        raise TaxonomyError("must be a non-empty list", key="skills", source=source)
    seen: set[str] = set()
    skills = tuple(_skill(raw, i, seen, source) for i, raw in enumerate(raw_skills))
    return Taxonomy(
        version=version.strip(), updated=updated, skills=skills, levels=levels, source=source
    )


@functools.lru_cache(maxsize=1)
def _load_packaged() -> Taxonomy:
    ref = resources.files(__package__).joinpath("data", PACKAGED_FILE)
    return _parse(ref.read_text(encoding="utf-8"), source=PACKAGED_FILE)


def _parse(text: str, *, source: str) -> Taxonomy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"not valid YAML: {exc}", source=source) from exc
    return taxonomy_from_dict(data, source=source)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy in ``path``, or the packaged ``data/skills.yaml`` (read once, cached)."""
    if path is None:
        return _load_packaged()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"cannot be read: {exc}", source=str(p)) from exc
    return _parse(text, source=str(p))
