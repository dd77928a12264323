"""Requests as the app servers see them behind a proxy, and when the database is away."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

log = logging.getLogger("pitstop.database")
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """A lost database connection becomes a 503 with Retry-After, not a 500 error page.

    A phone's card request (JSON) gets a JSON answer that session.js reads as "not sent yet": the
    card stays queued and goes again; a page gets a plain "try again in a moment". Django opens
    a new connection on the next request (CONN_HEALTH_CHECKS), so no restart is needed.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable on %s: %s", request.path, exception)
        message = _("Pitstop cannot reach its data for a moment. It tries again by itself.")
        if "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"ok": False, "error": message, "retry": True}, status=503)
        else:
            response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# Set in request.META when a trusted proxy forwarded a chain with no address of the visitor.
UNRESOLVED_VISITOR = "pitstop.unresolved_visitor"


class ForwardedForMiddleware:
    """Behind nginx every request comes from the proxy: take the visitor's address from
    X-Forwarded-For, but only from a proxy listed in TRUSTED_PROXIES.

    The join-code limit and the log-in lockout count per address; without this, one room's
    wrong codes would lock out every phone in the country. The rightmost address that is not a
    trusted proxy is the one our proxy saw; addresses left of it are the client's to invent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").strip()
        # No header: a request from the proxy's host itself (a health check, a scrape).
        if forwarded and self.trusted and request.META.get("REMOTE_ADDR") in self.trusted:
            hops = forwarded.split(",")
            for hop in reversed([hop.strip() for hop in hops]):
                if not _is_address(hop):
                    # A garbled chain: keep the proxy's own address (limits count per proxy),
                    # but say so, so that nothing trusts it as the visitor's (see /metrics).
                    request.META[UNRESOLVED_VISITOR] = True
                    break
                if hop not in self.trusted:
                    request.META["REMOTE_ADDR"] = hop
                    break
        return self.get_response(request)
