"""Settings for the pytest suite: the production settings with test-only speed-ups."""

import os

os.environ.setdefault("TSUNAGU_ENV", "test")

from .settings import *  # noqa: F403

# Argon2 is deliberately slow; tests that check hashing override this back.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail", "reports"],
    }
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: WAL and IMMEDIATE transactions behave as in production, so the
    # concurrency tests mean something. pytest-xdist appends a per-worker suffix.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
