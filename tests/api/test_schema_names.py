"""Schema class names must be unique across the API: django-ninja names OpenAPI components after
the class, so two apps' ``RequestOut`` would silently share one (wrong) schema."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from collections import defaultdict

from ninja import Schema

import tsunagu


def _api_modules() -> list[str]:
    """Every ``tsunagu.<app>.api`` module (discovered, so a new app cannot be forgotten)."""
    names = ["tsunagu.core.api_support"]
    for info in pkgutil.iter_modules(tsunagu.__path__):
        if info.ispkg and importlib.util.find_spec(f"tsunagu.{info.name}.api") is not None:
            names.append(f"tsunagu.{info.name}.api")
    return names


def test_schema_class_names_are_unique():
    seen: dict[str, set[str]] = defaultdict(set)
    modules = _api_modules()
    assert {"tsunagu.talent.api", "tsunagu.voices.api", "tsunagu.consortium.api"} <= set(modules)
    for name in modules:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == name:
                seen[attr].add(name)
    dupes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not dupes, dupes
