"""Configuration from the environment: production refuses to run unsafely."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "expeditie.settings.production",
    "ALLOWED_HOSTS": "pitstop.example.org",
    "DEBUG": "false",
    "EMAIL_URL": "smtp+tls://pitstop:secret@mail.example.org:587",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_deploy_check_reports_no_issues_with_production_values():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_database_url_chooses_the_database():
    engine = settings.DATABASES["default"]["ENGINE"]
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    )
    assert engine.endswith(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("TRUE", True), ("", False), ("false", False)],
)
def test_browser_tests_fail_rather_than_skip_for_any_truthy_ci(monkeypatch, value, expected):
    from tests.conftest import in_ci

    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


COOKIE_NAMES = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.LANGUAGE_COOKIE_NAME)"
)


@pytest.mark.parametrize(
    ("secure", "names"),
    [
        ("true", "__Host-sessionid __Host-csrftoken __Host-django_language"),
        ("false", "sessionid csrftoken django_language"),
    ],
)
def test_production_cookies_are_host_only_over_https(secure, names):
    """ASVS 3.3.1: over HTTPS the browser refuses these cookies from any other host."""
    result = manage(
        "shell", "-c", COOKIE_NAMES, SECRET_KEY="x" * 50, SECURE_COOKIES=secure, **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == names.split()
