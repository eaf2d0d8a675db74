"""Schema class names must be unique across the API: django-ninja names OpenAPI components after
the class, so two apps' ``RequestOut`` would silently share one (wrong) schema."""

from __future__ import annotations

import importlib
import inspect
from collections import defaultdict

from ninja import Schema

MODULES = [
    "tsunagu.core.api",
    "tsunagu.core.api_support",
    "tsunagu.accounts.api",
    "tsunagu.notifications.api",
    "tsunagu.gateway.api",
    "tsunagu.network.api",
    "tsunagu.talent.api",
]


def test_schema_class_names_are_unique():
    seen: dict[str, set[str]] = defaultdict(set)
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == name:
                seen[attr].add(name)
    dupes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not dupes, dupes
