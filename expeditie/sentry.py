"""Errors and slow requests to Sentry, when SENTRY_DSN is set, with nothing a member wrote.

Pitstop holds residents' own words. Sentry is told as little as lets someone find the fault:
the exception's type, the stack's files, functions and line numbers, the request's method and
path (with its ids), the request id and timings. Not the request body, cookies, headers, query
strings, the user, local variables, log messages' arguments, nor an exception's message (a
ValidationError or a KeyError may quote a card). Two layers: the SDK is told not to collect
(data_collection, which replaces send_default_pii, and max_request_body_size), and
scrub_event removes whatever is left before an event leaves, should the SDK or an integration
collect more one day.
"""

from __future__ import annotations

from typing import Any

# Request headers that say nothing about who is asking.
KEPT_HEADERS = frozenset({"x-request-id", "content-type", "content-length", "hx-request"})
# Frame fields: where the code is, never the values it held.
KEPT_FRAME_FIELDS = frozenset(
    {"filename", "abs_path", "module", "function", "lineno", "colno", "in_app", "platform"}
)
KEPT_SPAN_DATA = frozenset({"db.system", "db.operation", "thread.id", "thread.name"})
KEPT_BREADCRUMB_FIELDS = frozenset({"type", "category", "level", "timestamp"})

Event = dict[str, Any]


def init_sentry(dsn: str, *, traces_sample_rate: float, environment: str, release: str) -> None:
    """Set up sentry-sdk with Django's integration; does nothing without a DSN."""
    if not dsn:
        return
    # Imported here: only a server that reports to Sentry pays for loading the SDK.
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        traces_sample_rate=traces_sample_rate,
        environment=environment or None,
        release=release or None,
        # send_default_pii=False in the SDK's newer words: sentry-sdk 2.75 deprecates that flag
        # for data_collection, which says per kind what is collected. Nothing personal is.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(KEPT_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
            "frame_context_lines": 0,
        },
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def scrub_event(event: Event, hint: dict[str, Any] | None = None) -> Event:
    """Remove personal data from an error or transaction event (before_send), and tag it with
    the id of the request it happened in (sent from the request's own thread)."""
    from .errors import current_request_id

    if request_id := current_request_id():
        event.setdefault("tags", {})["request_id"] = request_id
    event.pop("user", None)
    event.pop("extra", None)
    event.pop("modules", None)
    event.get("contexts", {}).pop("user", None)
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    for exception in event.get("exception", {}).get("values", []) or []:
        exception.pop("value", None)
        _scrub_stacktrace(exception.get("stacktrace"))
    for thread in event.get("threads", {}).get("values", []) or []:
        _scrub_stacktrace(thread.get("stacktrace"))
    # A log record's format string stays; the values put into it go.
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = {"message": event["logentry"].get("message", "")}
    if "message" in event and not isinstance(event["message"], dict):
        event.pop("message")
    if "breadcrumbs" in event:
        values = event["breadcrumbs"].get("values", []) or []
        event["breadcrumbs"] = {
            "values": [
                {key: value for key, value in crumb.items() if key in KEPT_BREADCRUMB_FIELDS}
                for crumb in values
            ]
        }
    for span in event.get("spans", []) or []:
        span["data"] = {
            key: value for key, value in (span.get("data") or {}).items() if key in KEPT_SPAN_DATA
        }
    return event


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    url = str(request.get("url", "")).split("?", 1)[0].split("#", 1)[0]
    headers = {
        name: value
        for name, value in (request.get("headers") or {}).items()
        if name.lower() in KEPT_HEADERS
    }
    return {"method": request.get("method"), "url": url, "headers": headers}


def _scrub_stacktrace(stacktrace: dict[str, Any] | None) -> None:
    if not stacktrace:
        return
    stacktrace["frames"] = [
        {key: value for key, value in frame.items() if key in KEPT_FRAME_FIELDS}
        for frame in stacktrace.get("frames", []) or []
    ]
