"""When something breaks: a request id to quote, JSON log lines that carry it, the 500 page.

Every request gets an id (RequestIdMiddleware): it goes back as the X-Request-ID header, into
every log line written while the request runs, into Sentry's events (as a tag) and onto the 500
page, so a member who quotes "Foutcode: …" leads straight to the log line or the event.

Log lines hold what helps to find a fault and nothing a member wrote: the logger, the message,
the request's path and id, the exception's type and stack frames (file, line, function). Not
the request body, cookies, query strings, nor the exception's message, which may quote a card.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import secrets
import traceback
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import TemplateDoesNotExist, loader
from django.views.decorators.csrf import requires_csrf_token

REQUEST_ID_HEADER = "X-Request-ID"
# What nginx's $request_id looks like (32 hex digits), a UUID, or our own ids: short, and
# nothing that could break a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is answering, if any."""
    return _request_id.get()


def new_request_id() -> str:
    return secrets.token_hex(8)


class RequestIdMiddleware:
    """Gives each request an id; first in MIDDLEWARE, so every later log line carries it.

    An incoming X-Request-ID is taken over only from a proxy listed in TRUSTED_PROXIES (nginx's
    $request_id then ties its access log to ours) and only when it looks like an id; anything
    else gets an id of our own, so a visitor cannot put text of their choosing into the logs.
    It runs before ForwardedForMiddleware: REMOTE_ADDR is still the proxy's own address here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = self.incoming_id(request) or new_request_id()
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def incoming_id(self, request: HttpRequest) -> str | None:
        if request.META.get("REMOTE_ADDR") not in self.trusted:
            return None
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        return incoming if SAFE_REQUEST_ID.fullmatch(incoming) else None


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was written during (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for journald or any log collector.

    Deliberately small (no python-json-logger): it writes a fixed set of fields and never the
    record's `request` (Django's request logger passes the whole request, with its body) nor an
    exception's message.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        request = getattr(record, "request", None)
        if request is not None:
            line["method"] = getattr(request, "method", None)
            line["path"] = getattr(request, "path", None)
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, exc_traceback = record.exc_info
            line["exception"] = f"{exc_type.__module__}.{exc_type.__qualname__}"
            line["frames"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(exc_traceback)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """Django's own 500 view, with the request id for the member to quote.

    Like Django's, it renders without context processors or the database: whatever broke the
    request may break those too.
    """
    request_id = getattr(request, "request_id", None) or current_request_id() or ""
    try:
        template = loader.get_template(template_name)
    except TemplateDoesNotExist:
        return HttpResponseServerError(b"<h1>Server Error (500)</h1>", content_type="text/html")
    return HttpResponseServerError(template.render({"request_id": request_id}))
