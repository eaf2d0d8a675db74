"""Validate API responses against the published OpenAPI document."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.test import Client
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    from tsunagu.config.api import api

    schema: dict[str, Any] = api.get_openapi_schema()
    return schema


def _operation(method: str, path: str) -> dict[str, Any]:
    for template, ops in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            op: dict[str, Any] = ops[method.lower()]
            return op
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check(response: Any, method: str, path: str) -> Any:
    """Assert the response body matches the schema published for its status code."""
    op = _operation(method, path.split("?")[0])
    status = str(response.status_code)
    responses = {str(k): v for k, v in op["responses"].items()}
    assert status in responses, f"{method} {path}: status {status} not documented"
    content = responses[status].get("content", {}).get("application/json")
    body = response.json()
    if content:
        schema = {**content["schema"], "components": spec()["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].path)}"
    return body


def call(client: Client, method: str, path: str, **kw: Any) -> Any:
    fn = getattr(client, method.lower())
    if "json" in kw:
        kw = {"data": kw.pop("json"), "content_type": "application/json", **kw}
    res = fn(path, **kw)
    check(res, method, path)
    return res
