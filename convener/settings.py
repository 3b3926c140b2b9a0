"""Django settings, read only from the environment (see the README for every variable)."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from convener.datadir import prepare_data_directory
from convener.environment import (
    SettingError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    persistent_secret,
)

BASE_DIR = Path(__file__).resolve().parent
# Owner-only (0700), like the SQLite files in it (see convener.datadir).
DATA_DIR = prepare_data_directory(Path(env_str("CONVENER_DATA_DIR", "var")).resolve())

DEBUG = env_bool("CONVENER_DEBUG", False)
SECRET_KEY = env_secret("CONVENER_SECRET_KEY") or persistent_secret(
    DATA_DIR / "secret_key", secrets.token_urlsafe(50)
)

SITE_URL = env_str("CONVENER_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("CONVENER_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CONVENER_CSRF_TRUSTED_ORIGINS", [SITE_URL])
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Security headers. Django's SecurityMiddleware already sends X-Content-Type-Options:
# nosniff, Referrer-Policy: same-origin and Cross-Origin-Opener-Policy: same-origin by
# default; HSTS is sent once the site is served over https (a year; browsers ignore it
# over http). Behind a proxy, gunicorn takes X-Forwarded-Proto from 127.0.0.1 only (widen
# with FORWARDED_ALLOW_IPS).
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only Convener's own origin; no inline script or
# style (behaviour lives in web/static/web/app.js, looks in app.css). A page that needs an
# inline <script> writes <script nonce="{{ request.csp_nonce }}">; the nonce is added to
# the header only on the responses that use it. Icons are data: URLs (favicon, Pico's
# SVGs). form-action is left out on purpose: "Connect my account" posts a form whose
# answer redirects to the provider's consent page, which form-action would block unless
# it named third-party origins. The outbox's message preview sets its own, stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja's own Swagger files: the API docs page loads them from here, not a CDN.
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "convener.team",
    "convener.crm",
    "convener.connections",
    "convener.meetings",
    "convener.dispatch",
    "convener.segments",
    "convener.webforms",
    "convener.web",
    "convener.imports",
    "convener.hooks",
    "convener.workitems",
    "convener.campaigns",
    "convener.calendar",
    "convener.booking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Outermost but security and CSP: JSON error answers for anything under /api/v1/.
    "convener.api.errors.ErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "convener.team.middleware.UserTimezoneMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "convener.urls"

# The API's limits on one request (docs/api-limits.md). A body over this size is refused
# (the API answers 413); it is Django's default, named here because the API documents it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# POST /plans/preview alone takes a larger body, a SPEC of up to this many megabytes (about
# 20,000 recipients a megabyte); larger plans are for `convener plan`.
PLAN_PREVIEW_MAX_BYTES = env_int("CONVENER_PLAN_PREVIEW_MAX_MB", 10, minimum=1) * 2**20
# A page of a list: 100 rows unless `limit` asks for another number, at most 200 (each
# row is built while the client waits; `offset` reaches the rest).
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 200
WSGI_APPLICATION = "convener.wsgi.application"
AUTH_USER_MODEL = "team.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "contacts"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes) for the web login and the administration's: after
# CONVENER_LOGIN_FAILURE_LIMIT failures for one username from one address, that pair is
# locked out for CONVENER_LOGIN_COOLOFF_MINUTES (counted again from each try made while
# locked). A success clears the count. Axes checks before the password is; the login page
# then says why (convener.web.lockout).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CONVENER_LOGIN_FAILURE_LIMIT", 5, minimum=1)
_cooloff_minutes = env_int("CONVENER_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
# Username and address together: one person mistyping does not lock out the office
# behind the same address, and guessing many names from one address is still slowed.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests, with the login page as its body
AXES_LOCKOUT_CALLABLE = "convener.web.lockout.locked_out_response"
# No row per successful login: the failures are what throttling needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no "AXES: BEGIN" line at the start of every command

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "convener.web.context.product",
            ],
        },
    }
]

# SQLite (WAL, immediate transactions so concurrent writers queue instead of failing)
# on one machine; PostgreSQL through DATABASE_URL when scaling out. SQLite goes through
# Convener's wrapper of Django's backend, which keeps the database files owner-only.
OWNER_ONLY_SQLITE = "convener.db.sqlite3"
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["ENGINE"] = OWNER_ONLY_SQLITE
    elif "postgresql" in DATABASES["default"]["ENGINE"]:
        # PostgreSQL compiles (JIT) a query it estimates as costly. Convener's queries are
        # short, and the estimate of one over JSON values is high: a segment's count over
        # 100,000 contacts took 0.74 s, 0.47 s of it compiling, and 0.30 s without
        # (bench/bench_segments.py). `?options=...` in DATABASE_URL takes precedence.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": OWNER_ONLY_SQLITE,
            "NAME": str(DATA_DIR / "convener.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open between steps like PostgreSQL's: opening a SQLite connection
            # (and running its pragmas) costs more than most of the steps it serves.
            "CONN_MAX_AGE": 600,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

USE_TZ = True
TIME_ZONE = "UTC"  # storage and internal clock; people see their own zone
DEFAULT_TIMEZONE = env_str("CONVENER_DEFAULT_TIMEZONE", "UTC")
try:
    ZoneInfo(DEFAULT_TIMEZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise SettingError(
        f"CONVENER_DEFAULT_TIMEZONE: {DEFAULT_TIMEZONE!r} is not an IANA time zone"
    ) from None
LANGUAGE_CODE = "en"
USE_I18N = False

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from the apps' static folders without collectstatic

# Background work: Django Tasks on the database. Long delays are due times on Meeting rows,
# never queue ETAs days ahead (see DESIGN.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WORKER_POLL_SECONDS = env_float("CONVENER_WORKER_POLL_SECONDS", 0.2)
# Threads for the steps' database work per worker process (also its database connections);
# provider calls in flight per process (on its event loop, no thread each), and per lane
# (one connection's calls) within it.
WORKER_POOL_SIZE = env_int("CONVENER_WORKER_POOL_SIZE", 4, minimum=1)
WORKER_IN_FLIGHT = env_int("CONVENER_WORKER_IN_FLIGHT", 512, minimum=1)
LANE_CONCURRENCY = env_int("CONVENER_LANE_CONCURRENCY", 4, minimum=1)
# SMTP connections a worker process sends invitations over, a thread each. A message takes
# two round trips to a server that offers PIPELINING, so each connection sends at most
# 1 / (2 x round trip) a second. 8 rather than 4: to a relay 20 ms away 4 held the
# fan-out to 82 meetings a second, 8 to 145, 16 to 172; to a server on the same machine
# 8 cost no more CPU than 4, 16 about 5 % more (bench/bench_fanout.py --smtp-latency-ms).
SMTP_CONNECTIONS = env_int("CONVENER_SMTP_CONNECTIONS", 8, minimum=1)
# A launch from a page on more contacts than this is scheduled by the worker, and the page
# follows its run (convener.scheduling.background): planning and saving takes a few
# milliseconds a meeting, which a request of a hundred thousand should not wait for.
LAUNCH_IN_BACKGROUND_OVER = env_int("CONVENER_LAUNCH_IN_BACKGROUND_OVER", 2000)
# How long a worker may hold a meeting before another may take it over (a worker that
# died), and the first retry delay after a provider failure (doubling up to an hour).
# Pacing of provider calls in Redis instead of the database (redis://, rediss:// or
# unix://). Optional: the database paces on its own.
REDIS_URL = env_secret("CONVENER_REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise SettingError("CONVENER_REDIS_URL: must start with redis://, rediss:// or unix://")
LEASE_SECONDS = env_float("CONVENER_LEASE_SECONDS", 120.0)
# How long the delivery log of a campaign's "send a webhook" steps keeps each try.
CAMPAIGN_WEBHOOK_LOG_DAYS = env_int("CONVENER_CAMPAIGN_WEBHOOK_LOG_DAYS", 90)
RETRY_BASE_SECONDS = env_float("CONVENER_RETRY_BASE_SECONDS", 15.0)
RETRY_MAX_ATTEMPTS = env_int("CONVENER_RETRY_MAX_ATTEMPTS", 8)

# Contact imports: the uploaded CSV files and their reports wait here, owner-only, while
# the worker reads them. With workers on several machines this must be shared storage.
IMPORT_DIR = Path(env_str("CONVENER_IMPORT_DIR", str(DATA_DIR / "imports"))).resolve()
# Public web forms (convener.webforms): submissions one address may send per minute, and
# the largest submission accepted (a form's answers, not a file upload).
FORM_SUBMISSIONS_PER_MINUTE = env_int("CONVENER_FORM_SUBMISSIONS_PER_MINUTE", 10)
FORM_MAX_BYTES = env_int("CONVENER_FORM_MAX_KB", 64) * 1024
# Booking pages (convener.booking): a host's busy times are read from their calendar with
# a short timeout (a visitor is waiting) and kept this long; a failed read is kept
# shorter, so a page recovers soon after the provider does.
BOOKING_BUSY_TIMEOUT_SECONDS = env_float("CONVENER_BOOKING_BUSY_TIMEOUT_SECONDS", 4.0)
BOOKING_BUSY_CACHE_SECONDS = env_int("CONVENER_BOOKING_BUSY_CACHE_SECONDS", 120)
BOOKING_BUSY_FAILURE_CACHE_SECONDS = env_int("CONVENER_BOOKING_BUSY_FAILURE_CACHE_SECONDS", 30)
BOOKINGS_PER_MINUTE = env_int("CONVENER_BOOKINGS_PER_MINUTE", 10)
IMPORT_MAX_BYTES = env_int("CONVENER_IMPORT_MAX_MB", 200) * 2**20
if IMPORT_MAX_BYTES < 2**20:
    raise SettingError("CONVENER_IMPORT_MAX_MB: must be 1 or more")

# Mail. Without an SMTP host the invitations stay in the outbox page.
EMAIL_FROM = env_str("CONVENER_EMAIL_FROM", "Convener <meetings@localhost>")
DEFAULT_FROM_EMAIL = EMAIL_FROM
SERVER_EMAIL = EMAIL_FROM
SMTP_HOST = env_str("CONVENER_SMTP_HOST")
EMAIL_HOST = SMTP_HOST or "localhost"
EMAIL_PORT = env_int("CONVENER_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("CONVENER_SMTP_USER")
EMAIL_HOST_PASSWORD = env_secret("CONVENER_SMTP_PASSWORD")
# Tries of one invitation before it is given up as not deliverable (a 5xx reply gives up
# at once); between them, a minute doubling up to an hour.
INVITATION_MAX_ATTEMPTS = env_int("CONVENER_INVITATION_MAX_ATTEMPTS", 10)
EMAIL_USE_TLS = env_bool("CONVENER_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("CONVENER_SMTP_SSL", False)
EMAIL_TIMEOUT = env_int("CONVENER_SMTP_TIMEOUT", 30)
# Django's SMTP backend, pipelining MAIL, RCPT and DATA where the server offers it.
EMAIL_BACKEND = "convener.invitations.pipelining.EmailBackend"
INVITATION_EMAIL_BACKEND = EMAIL_BACKEND


def _token_keys() -> list[str]:
    configured = env_list("CONVENER_TOKEN_KEYS") or [
        k for k in env_secret("CONVENER_TOKEN_KEYS").split(",") if k.strip()
    ]
    if configured:
        return configured
    generated = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return [persistent_secret(DATA_DIR / "token_keys", generated)]


# Fernet keys for tokens at rest; the first encrypts, all decrypt (rotation: prepend a key,
# run `convener rotate-keys`, then drop the old one).
TOKEN_KEYS = _token_keys()

# Providers. Every endpoint is a setting whose default is the real service.
JITSI_URL = env_str("CONVENER_JITSI_URL", "https://meet.jit.si").rstrip("/")
JITSI_APP_ID = env_str("CONVENER_JITSI_APP_ID")
JITSI_APP_SECRET = env_secret("CONVENER_JITSI_APP_SECRET")
GOOGLE_AUTH_URI = env_str(
    "CONVENER_GOOGLE_AUTH_URI", "https://accounts.google.com/o/oauth2/v2/auth"
)
GOOGLE_TOKEN_URI = env_str("CONVENER_GOOGLE_TOKEN_URI", "https://oauth2.googleapis.com/token")
GOOGLE_API_URL = env_str("CONVENER_GOOGLE_API_URL", "https://www.googleapis.com").rstrip("/")
GOOGLE_CLIENT_ID = env_str("CONVENER_GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = env_secret("CONVENER_GOOGLE_CLIENT_SECRET")
MICROSOFT_LOGIN_URL = env_str(
    "CONVENER_MICROSOFT_LOGIN_URL", "https://login.microsoftonline.com"
).rstrip("/")
MICROSOFT_GRAPH_URL = env_str("CONVENER_MICROSOFT_GRAPH_URL", "https://graph.microsoft.com").rstrip(
    "/"
)
MICROSOFT_CLIENT_ID = env_str("CONVENER_MICROSOFT_CLIENT_ID")
MICROSOFT_CLIENT_SECRET = env_secret("CONVENER_MICROSOFT_CLIENT_SECRET")
MICROSOFT_TENANT = env_str("CONVENER_MICROSOFT_TENANT", "common")
ZOOM_OAUTH_URL = env_str("CONVENER_ZOOM_OAUTH_URL", "https://zoom.us").rstrip("/")
ZOOM_API_URL = env_str("CONVENER_ZOOM_API_URL", "https://api.zoom.us").rstrip("/")
ZOOM_CLIENT_ID = env_str("CONVENER_ZOOM_CLIENT_ID")
ZOOM_CLIENT_SECRET = env_secret("CONVENER_ZOOM_CLIENT_SECRET")
PROVIDER_TIMEOUT_SECONDS = env_float("CONVENER_PROVIDER_TIMEOUT_SECONDS", 20.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONVENER_LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs full request URLs at INFO; some carry codes or tokens in the query.
        "httpx2": {"level": "WARNING"},
        "httpcore2": {"level": "WARNING"},
        # django-axes says "reset 0 attempts" at INFO on every login; lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
