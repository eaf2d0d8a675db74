"""Settings, read from the environment (twelve-factor).

Every value that differs between a laptop demo and a production cluster comes from an
environment variable; the defaults give the embedded SQLite demo that ``make run`` starts.
See docs/deploy.md for the production variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/tsunagu
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TSUNAGU_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TSUNAGU_ENV = os.environ.get("TSUNAGU_ENV", "demo")  # demo | production | test
_DEV_SECRET = "insecure-demo-key-only-for-the-embedded-sqlite-demo-do-not-deploy"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
if TSUNAGU_ENV == "production" and SECRET_KEY == _DEV_SECRET:
    raise RuntimeError("SECRET_KEY must be set in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "ninja",
    "tsunagu.core",
    "tsunagu.accounts",
    "tsunagu.notifications",
    "tsunagu.gateway",
    "tsunagu.network",
    "tsunagu.talent",
    "tsunagu.voices",
    "tsunagu.knowledge",
    "tsunagu.search",
    "tsunagu.consortium",
]

MIDDLEWARE = [
    "tsunagu.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tsunagu.core.middleware.CanonicalHostMiddleware",
    "tsunagu.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tsunagu.accounts.middleware.UserLocaleMiddleware",
    "tsunagu.accounts.middleware.MfaEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tsunagu.config.urls"
WSGI_APPLICATION = "tsunagu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tsunagu.core.context_processors.shell",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tsunagu.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two concurrent writers queue
    # instead of failing half-way (the audit chain relies on this); WAL lets readers go on.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    # Shared by every process on this machine (web workers count MFA failures together).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background jobs (Django Tasks, database backend) -----------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail", "reports"],
    }
}

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"

# Lockout: five failures for one account from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tsunagu.accounts.views.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# MFA
WEBAUTHN_RP_NAME = "Tsunagu つなぐ"
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")  # empty: the request's host name
MFA_MAX_ATTEMPTS = 5

# --- Sessions, cookies, headers ---------------------------------------------------------
SECURE = env_bool("SECURE_COOKIES", TSUNAGU_ENV == "production")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_NAME = "__Host-tsunagu_session" if SECURE else "tsunagu_session"
CSRF_COOKIE_NAME = "__Host-tsunagu_csrf" if SECURE else "tsunagu_csrf"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", TSUNAGU_ENV == "production")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if TSUNAGU_ENV == "production" else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TSUNAGU_ENV == "production"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "tsunagu.core.views.csrf_failure_view"
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_BODY_BYTES", str(2 * 1024 * 1024)))
TSUNAGU_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
# Demo only: send 127.0.0.1 to localhost, because WebAuthn refuses IP addresses as RP IDs.
TSUNAGU_CANONICAL_HOST = os.environ.get("CANONICAL_HOST", "")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "tsunagu_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and TSUNAGU_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TSUNAGU_ENV == "test"

# --- Mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if TSUNAGU_ENV != "production"
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tsunagu@example.metro.tokyo.lg.jp")
TSUNAGU_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Security-cloud gateway -------------------------------------------------------------------
GATEWAY_TRAIN_INTERVAL_MINUTES = int(os.environ.get("GATEWAY_TRAIN_INTERVAL_MINUTES", "15"))
# Targets from submission to application, per risk class (minutes).
GATEWAY_SLA_MINUTES = {"standard": 15, "normal": 2 * 24 * 60, "major": 7 * 24 * 60}
GATEWAY_RULES_FILE = os.environ.get("GATEWAY_RULES_FILE", "")  # default: packaged rule data
GATEWAY_PUBLISH_DIR = Path(os.environ.get("GATEWAY_PUBLISH_DIR", VAR_DIR / "gateway" / "published"))
GATEWAY_PUBLISH_WEBHOOK = os.environ.get("GATEWAY_PUBLISH_WEBHOOK", "")
GATEWAY_PUBLISH_WEBHOOK_SECRET = os.environ.get("GATEWAY_PUBLISH_WEBHOOK_SECRET", "")
GATEWAY_PUBLISHER = os.environ.get("GATEWAY_PUBLISHER", "")  # dotted path of a custom adapter
GATEWAY_VALIDATE_ARTIFACTS = os.environ.get("GATEWAY_VALIDATE_ARTIFACTS", "1") == "1"
GATEWAY_URL_CATEGORIES_FILE = os.environ.get("GATEWAY_URL_CATEGORIES_FILE", "")
GATEWAY_PROXY = os.environ.get("GATEWAY_PROXY", "proxy.security-cloud.metro.tokyo.lg.jp:8080")
# The legacy practice the lead-time dashboard compares with: quarterly batches.
GATEWAY_LEGACY_BATCH_MONTHS = (1, 4, 7, 10)
GATEWAY_LEGACY_BATCH_DAY = 15
GATEWAY_LEGACY_CUTOFF_DAYS = 30
# Yearly recertification opens on this month/day; owners have 60 days to answer.
GATEWAY_RECERT_MONTH, GATEWAY_RECERT_DAY = 4, 1

# Network models and the compliance advisor
NETWORK_RULES_FILE = os.environ.get("NETWORK_RULES_FILE", "")  # default: packaged edition
NETWORK_RULES_EDITION = os.environ.get("NETWORK_RULES_EDITION", "")  # default: the newest
CHROMIUM_BIN = os.environ.get("CHROMIUM_BIN", "chromium")  # prints the assessment report to PDF
NETWORK_REPORT_TIMEOUT_S = int(os.environ.get("NETWORK_REPORT_TIMEOUT_S", "90"))

# Shared experts
TALENT_TAXONOMY_FILE = os.environ.get("TALENT_TAXONOMY_FILE", "")  # default: packaged taxonomy
TALENT_SOLVER_TIME_LIMIT_S = float(os.environ.get("TALENT_SOLVER_TIME_LIMIT_S", "10"))
TALENT_OFFER_HOURS = int(os.environ.get("TALENT_OFFER_HOURS", "72"))  # expert answers within
TALENT_REPORT_DAYS = 7  # a visit report is due within a week
TALENT_COST_RULE = {
    # Base cost of the pool per month, shared equally by the organisations with an active
    # assignment that month; usage (each visit at the expert's rate) paid by its user.
    "base_monthly_yen": int(os.environ.get("TALENT_BASE_MONTHLY_YEN", "1200000")),
    "subsidy_tag": os.environ.get("TALENT_SUBSIDY_TAG", "都区市町村DX協働補助"),
    "subsidy_share": float(
        os.environ.get("TALENT_SUBSIDY_SHARE", "0.5")
    ),  # of usage, for small bodies
}

# Voices to 都: days a requester has to reply to an answer before the voice closes by itself.
VOICES_REPLY_DAYS = int(os.environ.get("VOICES_REPLY_DAYS", "30"))
