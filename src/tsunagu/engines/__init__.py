"""Pure-Python engines: no Django, no I/O, frozen dataclasses in and out.

The import-linter contract in pyproject.toml keeps this package free of Django and of the apps.
"""
