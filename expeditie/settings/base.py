"""Settings shared by every environment. The environment is read here, and only here."""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies whose X-Forwarded-For is believed (deploy/nginx runs on the same host). None in
# development: there, a header a visitor sends is only the visitor's word.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Who may read /metrics (addresses or networks, e.g. 10.0.0.0/24), as ForwardedForMiddleware
# sees the client: loopback only unless the host says otherwise. Everyone else gets a 404.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# Errors and slow requests go to Sentry only when a DSN is given (expeditie/sentry.py); a
# small share of requests is traced, enough to see slow views without a bill per request.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.01)
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env("SENTRY_RELEASE", default="")

INSTALLED_APPS = [
    "expeditie.admin.PitstopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "axes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks_db",
    "coalitions",
    "pitstops",
]

MIDDLEWARE = [
    # First: every later log line, and the 500 page, carry the request's id; it reads
    # X-Request-ID from a trusted proxy before ForwardedForMiddleware replaces REMOTE_ADDR.
    "expeditie.errors.RequestIdMiddleware",
    "expeditie.middleware.ForwardedForMiddleware",
    "expeditie.monitoring.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "pitstops.authorship.WriterCookieMiddleware",
    "expeditie.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into its own answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "expeditie.urls"
WSGI_APPLICATION = "expeditie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let threaded app servers write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Persistent connections: opening one per request would cost more than a poll's query.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Shared by every app server: rate limits on join codes. REDIS_URL in production, e.g.
# redis://127.0.0.1:6379/0; one process's memory is enough for development and tests.
# Django's Redis backend, keeping its client between calls (see expeditie/cache.py).
CACHES = {
    "default": {"BACKEND": "expeditie.cache.RedisCache", "LOCATION": REDIS_URL}
    if (REDIS_URL := env("REDIS_URL", default=""))
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Live screens hear of every committed change through Redis pub/sub, so that every app server's
# streams get every session's changes (pitstops/push.py). Without it: this process only.
PUSH_REDIS_URL = env("PUSH_REDIS_URL", default=REDIS_URL)
# Whether live pages open a stream at all: off where no stream server runs (runserver in
# development, the tests' live server), so the screens just poll and ask nothing in vain.
LIVE_STREAMS = env.bool("LIVE_STREAMS", default=True)
# A stream says it is still there this often, so no proxy closes it for being idle.
LIVE_STREAM_HEARTBEAT_SECONDS = env.int("LIVE_STREAM_HEARTBEAT_SECONDS", default=15)

# Participants of a live session are kept by a signed cookie, for one day at most.
PARTICIPANT_COOKIE_MAX_AGE = 60 * 60 * 12
JOIN_ATTEMPTS_PER_TEN_MINUTES = env.int("JOIN_ATTEMPTS_PER_TEN_MINUTES", default=20)
# Uploaded flip-chart photos are resized to fit this box.
PHOTO_MAX_PIXELS = 1600
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # a phone's photo; larger uploads are refused with a message
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes serve PostgreSQL; SQLite ignores their INCLUDE columns, which is harmless.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out accounts and addresses
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in throttling (django-axes, ASVS 6.3): failed log-ins are counted per account and, apart,
# per address; past the limit both wait. Successful log-ins are not logged at all (privacy).
AXES_FAILURE_LIMIT = env.int("LOGIN_ATTEMPTS", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "coalitions.accounts.locked_out"
AXES_VERBOSE = False
# `seed_demo` makes accounts with a published password: never on a real server (production.py).
DEMO_ACCOUNTS_ALLOWED = True
# Retention (AVG/GDPR): `manage.py apply_retention` (daily, from cron) takes names off words and
# deletes small talk older than this. Three years: a programme's length and the report after it.
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=36)
# Backups (`manage.py backup` / `restore`, README "Backups"): where they go, and the age key.
# BACKUP_AGE_RECIPIENT is the public key (age1...) a backup is encrypted to; BACKUP_KEY_FILE is
# the identity (private key) file, needed only to restore, so the host that makes backups may
# hold just the recipient. Without a recipient, `backup` derives it from BACKUP_KEY_FILE.
BACKUP_DIR = Path(value) if (value := env("BACKUP_DIR", default="")) else None
BACKUP_AGE_RECIPIENT = env("BACKUP_AGE_RECIPIENT", default="")
BACKUP_KEY_FILE = Path(value) if (value := env("BACKUP_KEY_FILE", default="")) else None
# Erasures (ids only, never words) are appended here so that `restore` can erase again what was
# erased after a backup was made. Beside the backups: it travels with them when they are synced.
ERASURE_LOG = (
    Path(value)
    if (value := env("ERASURE_LOG", default=""))
    else BACKUP_DIR / "erasures.jsonl"
    if BACKUP_DIR
    else None
)
# A signed-in session ends after this many days; "log out everywhere" ends all at once.
SESSION_COOKIE_AGE = 60 * 60 * 24 * env.int("SESSION_DAYS", default=14)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587 (default: print to the console).
_email = env.email_url("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {key: value for key, value in _smtp_options.items() if value}
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Pitstop <pitstop@localhost>")
# Where links in e-mails sent outside a request (send_reminders) point to.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Background work (suggested red threads) runs in `manage.py db_worker`, queued in the database:
# no broker to run, and a task is enqueued in the same transaction as what it works on.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy without 'unsafe-inline': scripts carry the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# JSON lines on standard error (journald, a container's log): each with the request's id, and
# without request bodies, cookies or exception messages (expeditie/errors.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "expeditie.errors.RequestIdFilter"}},
    "formatters": {"json": {"()": "expeditie.errors.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Errors (5xx) with their stack; Django's 4xx warnings would be every bot's 404.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Failed authorisation is logged (ASVS 16.3.2).
        "pitstop.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
