"""Accounts: log-in refusals logged, signed-in sessions kept track of, log out everywhere.

Passwords, tokens and session keys never reach a log line.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import AccountSession

security_log = logging.getLogger("pitstop.security")


def client_address(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_login_failed)
def log_failed_log_in(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """Who tried (the user name typed) and from where; never the password."""
    security_log.warning(
        "failed log-in for user name %r from %s",
        str(credentials.get("username", ""))[:150],
        client_address(request),
    )


@receiver(user_logged_in)
def remember_session(sender: Any, request: HttpRequest, user: Any, **kwargs) -> None:
    if request is not None and request.session.session_key:
        AccountSession.objects.update_or_create(
            session_key=request.session.session_key, defaults={"user": user}
        )


@receiver(user_logged_out)
def forget_session(sender: Any, request: HttpRequest, user: Any, **kwargs) -> None:
    if request is not None and request.session.session_key:
        AccountSession.objects.filter(session_key=request.session.session_key).delete()


@transaction.atomic
def end_every_session(user: Any) -> int:
    """End this account's sessions on every device; returns how many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = list(AccountSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in sessions:
        store(session_key=key).delete()
    AccountSession.objects.filter(user=user).delete()
    return len(sessions)


def log_out_everywhere(request: HttpRequest) -> int:
    ended = end_every_session(request.user)
    logout(request)
    return ended


def locked_out(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """What django-axes answers once an account or address has failed too often."""
    security_log.warning(
        "log-in refused, too many failures: user name %r from %s",
        str((credentials or {}).get("username", ""))[:150],
        client_address(request),
    )
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
