"""When the database is away for a moment, say so, and let the phone try again by itself."""

from __future__ import annotations

import logging

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
