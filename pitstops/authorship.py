"""Who wrote what, without storing who: the one mechanism behind "change or withdraw my words".

Every card and every reflection written in the coalition space carries a *seal*: a random nonce
and HMAC-SHA256(writer secret, nonce). The writer secret is 256 random bits that live only in
the writer's browser, in a cookie:

- on a phone in a live session, inside the participant's signed cookie for that session, made
  anew every time a phone joins (so a second phone, or a phone handed to someone else, gets
  another secret);
- in the coalition space, in a cookie bound to the signed-in account session (its signature
  includes the session key), so it is worthless after log-out and a new one is made at log-in.

The server never stores a writer secret, so nobody holding the database (and SECRET_KEY) can
tell which participant, member or account wrote sealed words: there is nothing to try them
against. Because every seal has its own nonce, two cards of one writer share nothing either.
Finding "my words" means checking each candidate's seal against the secret in this request,
which is why the candidates are always scoped (one session, or one coalition's anonymous words).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

SEAL_SEPARATOR = ":"
SEAL_LENGTH = 32 + 1 + 64  # nonce, separator, digest (hex)
WRITER_COOKIE = "pitstop-schrijver"
WRITER_COOKIE_SALT = "pitstops.writer"
WRITER_COOKIE_MAX_AGE = 60 * 60 * 24 * 30


def new_writer_secret() -> str:
    """256 bits from a secure source (ASVS 7.2.3)."""
    return secrets.token_urlsafe(32)


def _digest(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()


def seal(secret: str) -> str:
    """A new seal for words written with this secret."""
    nonce = secrets.token_hex(16)
    return f"{nonce}{SEAL_SEPARATOR}{_digest(secret, nonce)}"


def is_sealed_by(stored_seal: str, secret: str | None) -> bool:
    if not secret or not stored_seal or SEAL_SEPARATOR not in stored_seal:
        return False
    nonce, digest = stored_seal.split(SEAL_SEPARATOR, 1)
    return hmac.compare_digest(digest, _digest(secret, nonce))


def sealed_by(candidates: Iterable[tuple[int, str]], secret: str | None) -> list[int]:
    """The ids among (id, seal) pairs whose seal this secret made."""
    if not secret:
        return []
    return [pk for pk, stored_seal in candidates if is_sealed_by(stored_seal, secret)]


@dataclass(frozen=True)
class OwnWords:
    """A reflection together with the writer secret of the request that asks to change it: what
    the rule `coalitions.change_own_reflection` needs to tell whether this writer wrote it."""

    reflection: Any
    writer_secret: str | None

    @property
    def coalition_id(self) -> int:
        return self.reflection.coalition_id


# The account session's secret, for reflections written in the coalition space.


def _account_salt(request: HttpRequest) -> str:
    return f"{WRITER_COOKIE_SALT}:{request.session.session_key}"


def account_writer_secret(request: HttpRequest) -> str | None:
    """The secret of this signed-in session, if this browser has one (else None)."""
    if not request.user.is_authenticated or not request.session.session_key:
        return None
    if hasattr(request, "_new_writer_secret"):
        return request._new_writer_secret
    return request.get_signed_cookie(
        WRITER_COOKIE, default=None, salt=_account_salt(request), max_age=WRITER_COOKIE_MAX_AGE
    )


def ensure_account_writer_secret(request: HttpRequest) -> str:
    """This signed-in session's secret; a new one when there is none yet, which
    `WriterCookieMiddleware` puts in the response."""
    secret = account_writer_secret(request)
    if secret is None:
        secret = request._new_writer_secret = new_writer_secret()
    return secret


class WriterCookieMiddleware:
    """Sets the cookie for a secret made during this request; drops it once signed out."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        secret = getattr(request, "_new_writer_secret", None)
        if secret is not None and request.session.session_key:
            response.set_signed_cookie(
                WRITER_COOKIE,
                secret,
                salt=_account_salt(request),
                max_age=WRITER_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        elif WRITER_COOKIE in request.COOKIES and SESSION_KEY not in request.session:
            response.delete_cookie(WRITER_COOKIE, samesite="Lax")
        return response


def split_participant_cookie(value: str) -> tuple[str, str] | None:
    """(participant key, writer secret) from a participant cookie's payload."""
    key, separator, secret = value.partition(SEAL_SEPARATOR)
    if not separator or not key or not secret:
        return None
    return key, secret


def participant_cookie_payload(participant_key: str, writer_secret: str) -> str:
    return f"{participant_key}{SEAL_SEPARATOR}{writer_secret}"
