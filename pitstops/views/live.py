"""What every live screen shares: conditional polling responses and the participant cookie.

A polling screen says which version of the session it shows (session.js sends it as the
`X-Live-Version` header, read from the fragment's `data-live-version`). The answer is a 304 when
that is the current version, a delta when the screen can be brought up to date with one (only
what changed: pitstops.board.build_delta), and the whole fragment otherwise. A client that sends
no version (no JavaScript, an old page) gets what it always got: the whole fragment with an ETag.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from ..authorship import participant_cookie_payload, split_participant_cookie
from ..models import Participant

COOKIE_SALT = "pitstops.participant"


def cookie_name(session_id: int) -> str:
    return f"pitstop-deelnemer-{session_id}"


def participant_cookie(request: HttpRequest, session_id: int) -> tuple[str, str] | None:
    """(participant key, writer secret) from this browser's signed cookie; None when missing,
    expired or forged."""
    value = request.get_signed_cookie(
        cookie_name(session_id),
        default=None,
        salt=cookie_salt(session_id),
        max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
    )
    return split_participant_cookie(value) if value else None


def participant_key(request: HttpRequest, session_id: int) -> str | None:
    cookie = participant_cookie(request, session_id)
    return cookie[0] if cookie else None


def cookie_salt(session_id: int) -> str:
    """Bound to the session: a cookie of one session is worth nothing in another."""
    return f"{COOKIE_SALT}:{session_id}"


def current_participant(request: HttpRequest, session_id: int) -> Participant | None:
    """The participant this browser joined as, with this phone's `writer_secret`; None without
    a cookie, or with a forged one."""
    cookie = participant_cookie(request, session_id)
    if cookie is None:
        return None
    participant = (
        Participant.objects.select_related("member", "session__coalition")
        .filter(key=cookie[0], session_id=session_id)
        # The key is unique: not the model's ordering (joined_at, pk), which made up a third of
        # this query's time (compiling it), on every card a phone sends.
        .order_by()
        .first()
    )
    if participant is not None:
        participant.writer_secret = cookie[1]
    return participant


def remember_participant(response: HttpResponse, participant: Participant, writer_secret: str):
    """The phone's way back in, and its writer secret, which only this cookie holds."""
    response.set_signed_cookie(
        cookie_name(participant.session_id),
        participant_cookie_payload(participant.key, writer_secret),
        salt=cookie_salt(participant.session_id),
        max_age=settings.PARTICIPANT_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def fragment_etag(kind: str, session_id: int, version: int, viewer: str = "") -> str:
    return f'"{kind}-{session_id}-{version}-{viewer}-{get_language()}"'


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 when the screen already shows this version."""
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


LIVE_VERSION_HEADER = "X-Live-Version"
LIVE_DELTA_HEADER = "X-Live-Delta"


def shown_version(request: HttpRequest) -> int | None:
    """The version the polling screen shows, from its X-Live-Version header; None without."""
    value = request.headers.get(LIVE_VERSION_HEADER, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 else None


def live_not_modified() -> HttpResponse:
    """The screen already shows the current version."""
    return _versioned(HttpResponseNotModified())


def mark_fragment(
    response: HttpResponse, etag: str | None, *, versioned: bool = False
) -> HttpResponse:
    """Let the browser revalidate every poll, and keep fragments apart from full pages.

    A `versioned` answer (to a screen that sent its version) is a delta or a whole fragment
    chosen for that version: the header is its validator, so the browser must neither keep it
    nor revalidate it with an ETag of its own. A delta has no ETag: it is not the fragment.
    """
    if etag is not None:
        response["ETag"] = etag
    if versioned:
        return _versioned(response)
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["HX-Request", "Cookie", "Accept-Language"])
    return response


def mark_delta(response: HttpResponse) -> HttpResponse:
    """A delta, which session.js applies itself instead of swapping it in."""
    response[LIVE_DELTA_HEADER] = "true"
    return _versioned(response)


def _versioned(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["HX-Request", "Cookie", "Accept-Language", LIVE_VERSION_HEADER])
    return response


@dataclass(frozen=True)
class Push:
    """One message on a screen's stream (pitstops/views/streams.py), as session.js reads it:
    `delta` and `whole` carry html as a poll would get it, `reload` asks for the page again
    (a new phase, no longer joined). The id is the version the screen shows after it, which a
    reconnecting screen sends back (Last-Event-ID)."""

    event: str
    html: str = ""
    version: int = 0
    since: int = 0  # a delta's: it brings a screen at this version (or later) up to date
    retry_ms: int = 0  # how long a screen that lost its stream waits before it tries again

    @cached_property  # one message goes to many screens: encoded once
    def encoded(self) -> bytes:
        return self.encode()

    @cached_property  # and compressed once (streams.py: a stream that accepts gzip)
    def deflated(self) -> bytes:
        return deflated(self.encoded)

    def encode(self) -> bytes:
        lines = [f"retry: {self.retry_ms}"] if self.retry_ms else []
        lines.append(f"event: {self.event}")
        if self.version:
            lines.append(f"id: {self.version}")
        # Every line of the html is a data line; the browser joins them with newlines again.
        lines += [f"data: {line}" for line in re.split(r"\r\n|\r|\n", self.html)]
        return ("\n".join(lines) + "\n\n").encode()


def deflated(data: bytes) -> bytes:
    """`data` as deflate blocks that refer to nothing before them and end on a whole byte (a
    sync flush): they can follow any other such blocks in a compressed stream, and the screen
    can read them at once. So a message for a whole room is compressed once, not per screen.
    The fastest level: a room's board of 1,000 cards (680 kB) still shrinks to 18 kB."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


VERSION_MARKER = re.compile(r'data-live-version="(\d+)"')


def push_from_response(response: HttpResponse) -> Push | None:
    """A polling answer as a stream message; None for "nothing changed"."""
    if response.status_code == 304:
        return None
    if response.get("HX-Refresh") == "true":
        return Push("reload")
    if response.status_code != 200:
        return Push("reload")  # gone, or no longer allowed: the page says why
    html = response.content.decode()
    marker = VERSION_MARKER.search(html)
    event = "delta" if response.get(LIVE_DELTA_HEADER) == "true" else "whole"
    return Push(event, html, int(marker.group(1)) if marker else 0)
