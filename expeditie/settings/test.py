"""Tests: fast hashing, e-mail kept in memory, plain static storage."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

DEBUG = False
# The live server of the browser tests serves no streams; tests/browser/test_live_push.py turns
# them on for its own (uvicorn) server.
LIVE_STREAMS = False
SECRET_KEY = env("SECRET_KEY", default="django-insecure-tests-only")
# Tasks run at once, in the test's own process and transaction: no worker needed for `make test`.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Static files come from the finders; no collectstatic needed to run the tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Looked up when asked for, as in development: otherwise WhiteNoise lists and reads the headers of
# every static file each time a test client starts its middleware (once per client, thousands of
# times a run).
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test closes its connections, so the live server's threads never hold one across tests.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the browser tests' live server then gives each thread its own
    # connection, as in production, instead of sharing one (which can deadlock).
    # One file per test run, in the temporary folder: a run never meets another's leftovers.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"pitstop-tests-{os.getpid()}.sqlite3")
    }
# Backups and the erasure log of a test run live in the temporary folder, never in the project.
# (`manage.py restore` started by a test is told its own in the environment.)
BACKUP_DIR = Path(
    env(
        "BACKUP_DIR",
        default=str(Path(tempfile.gettempdir()) / f"pitstop-test-backups-{os.getpid()}"),
    )
)
ERASURE_LOG = Path(env("ERASURE_LOG", default=str(BACKUP_DIR / "erasures.jsonl")))
