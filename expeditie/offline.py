"""Installable and offline-first: the web app manifest, the service worker and the offline page.

The service worker (templates/offline/sw.js, served at the root so that its scope is the whole
site) keeps three things, in caches named after the release:

- the app's own static files, at install;
- the offline page, for a page this phone never opened;
- the last good copy of the few pages that *offer* one (`offer_copy`): the session page of a
  participant, and the start page, the coalition home and "my reflections" of a member. Each
  copy is kept in a cache named after whoever it was made for (`account_viewer`,
  `participant_viewer`): a pseudonym of the signed-in session or of the participant, never
  the session cookie itself. Any other page (POSTs, the admin, exports, the facilitators'
  workspace) is never kept.

A new release has a new version (`release`, a fingerprint of the code, templates, catalogues
and static files), so phones install a new worker, which deletes every cache of the old one:
a page is only ever served from cache by the worker of the release that made it.

Log-out, "log out everywhere", erasing oneself and leaving a session forget the copies: the
response says `Clear-Site-Data: "cache"` (`forgets_offline_copies`), the page tells the worker
before it sends the form (static/js/offline.js), and every page loaded from the network tells
the worker whose it is, so a copy made for someone else is dropped.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# The colours of static/css/pitstop.css: --pitstop-green for the bar, the body's white behind.
THEME_COLOUR = "#1d5c4d"
BACKGROUND_COLOUR = "#ffffff"
ICON_SIZES = (192, 512)

# The response header by which a page offers the worker a copy, with whose it is.
OFFLINE_HEADER = "X-Pitstop-Offline"
# A pseudonym is a short HMAC: it names a cache, it proves nothing and opens nothing.
VIEWER_SALT = "expeditie.offline.viewer"

# What the worker keeps at install: the app's own static files (not axe-core: only the tests
# load it), as the pages link them.
PRECACHED = ("css/", "js/", "vendor/bootstrap/", "vendor/htmx/", "icons/")
PRECACHED_SKIP = (".py", ".md", ".txt")
# Fingerprinted for the release: what shapes a page on the phone.
RELEASE_SOURCES = ("coalitions", "pitstops", "expeditie", "templates", "static", "locale")
RELEASE_SUFFIXES = {".py", ".html", ".js", ".css", ".svg", ".png", ".mo", ".txt"}


# --- whose copy ------------------------------------------------------------------------------


def _pseudonym(kind: str, value: str) -> str:
    digest = salted_hmac(VIEWER_SALT, f"{kind}:{value}", algorithm="sha256").hexdigest()
    return f"{kind}-{digest[:24]}"


def account_viewer(request: HttpRequest | None) -> str:
    """The signed-in session's pseudonym ("a-…"), or "" for a visitor who is not signed in.

    Made from the session's key, which Django changes at every log-in: a new log-in, even of the
    same person, starts with no copies of the session before it.
    """
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return ""
    session_key = request.session.session_key
    return _pseudonym("a", session_key) if session_key else ""


def writer_pseudonym(user: object) -> str:
    """A signed-in person's pseudonym ("u-…") for the keys under which words written offline
    wait in the browser (static/js/queue.js). Per person, not per log-in: words written before
    a session ended are sent after the same person logs in again, never as someone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return _pseudonym("u", str(user.pk))


def participant_viewer(participant_key: str) -> str:
    """The pseudonym ("p-…") of a participant of a live session, from its secret key."""
    return _pseudonym("p", participant_key)


@dataclasses.dataclass(frozen=True)
class OfflineCopy:
    """A page that offers the worker a copy: for whom, and when it was made (the banner's
    "this is the page of …" when it is shown offline)."""

    viewer: str
    made_at: datetime.datetime


def offer_copy(request: HttpRequest, viewer: str) -> None:
    """Let the page being rendered be kept for offline use, for `viewer` only.

    The template (base.html) then carries the banner a copy shows offline; `offers_copy`
    puts the header on the response. Without a viewer nothing is offered.
    """
    if viewer:
        request.offline_copy = OfflineCopy(viewer=viewer, made_at=timezone.now())


def offers_copy(view: Callable) -> Callable:
    """For a view that may `offer_copy`: only a whole page (no htmx fragment, no error, no
    redirect) fetched with GET gets the header, and with it a private cache policy."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        copy = getattr(request, "offline_copy", None)
        if (
            copy is not None
            and request.method == "GET"
            and not getattr(request, "htmx", False)
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response[OFFLINE_HEADER] = copy.viewer
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


def forgets_offline_copies(view: Callable) -> Callable:
    """For log-out, erasing oneself and leaving a session: after a POST, the browser drops what
    it keeps for this site in its HTTP cache. (The worker's own caches are dropped by the page
    and by the next page's viewer, see static/js/offline.js.)"""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # Only once it is done (they all redirect then): not for a form shown again.
        if request.method == "POST" and 300 <= response.status_code < 400:
            response["Clear-Site-Data"] = '"cache"'
        return response

    return wrapper


# --- the release ----------------------------------------------------------------------------


def _static_root() -> Path:
    return Path(settings.BASE_DIR) / "static"


def precached_names() -> list[str]:
    """The static files the worker keeps at install, as names for the static storage."""
    root = _static_root()
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).as_posix().startswith(PRECACHED)
        and path.suffix not in PRECACHED_SKIP
    )


def precached_urls() -> list[str]:
    # staticfiles_storage gives the hashed names in production (ManifestStaticFilesStorage):
    # a page of one release never gets another release's file from the cache.
    return [staticfiles_storage.url(name) for name in precached_names()]


def _release_files() -> Iterator[Path]:
    base = Path(settings.BASE_DIR)
    for folder in RELEASE_SOURCES:
        for path in sorted((base / folder).rglob("*")):
            wanted = path.suffix in RELEASE_SUFFIXES and "__pycache__" not in path.parts
            if wanted and path.is_file():
                yield path


@functools.cache
def _fingerprint() -> str:
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in _release_files():
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def release() -> str:
    """The version of the worker and of its caches: a fingerprint of what this release shows.

    Read once per process (a few milliseconds); in development (DEBUG) at every request, so a
    changed file installs a new worker at the next visit.
    """
    if settings.DEBUG:
        _fingerprint.cache_clear()
    return _fingerprint()


# --- the views ------------------------------------------------------------------------------


def _no_cache(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@login_not_required
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the visitor's language (the link sends the language cookie)."""
    icons = []
    for size in ICON_SIZES:
        icons.append(
            {
                "src": static(f"icons/pitstop-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
        )
        icons.append(
            {
                "src": static(f"icons/pitstop-maskable-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "maskable",
            }
        )
    icons.append({"src": static("icons/pitstop.svg"), "sizes": "any", "type": "image/svg+xml"})
    home = reverse("home")
    data = {
        "id": home,
        "name": "Pitstop",
        "short_name": "Pitstop",
        "description": _(
            "Look back together on the way your coalition goes: write cards and reflections, "
            "also without a connection."
        ),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return _no_cache(response)


def _script_json(value: object) -> str:
    """JSON to put in a script: no "<", ">" or "&" that could end it early."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@login_not_required
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the root so that it may look after every page of the site.

    The same for everyone (no names, no language): only the release and what to keep.
    Never cached by the browser (`no-cache`), so a new release is found at the next visit.
    """
    config = {
        "version": release(),
        "scope": reverse("home"),
        "offlineUrl": reverse("offline"),
        "precache": precached_urls(),
        "header": OFFLINE_HEADER,
    }
    body = render_to_string("offline/sw.js", {"config": mark_safe(_script_json(config))})  # noqa: S308
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("home")
    return _no_cache(response)


@login_not_required
@require_safe
def offline_page(request: HttpRequest) -> HttpResponse:
    """What a page this phone never opened shows without a connection.

    The worker keeps it at install, so it is shown as nobody: no name in the menu, and no
    messages (reading them here would take them from the page they were meant for).
    """
    languages = [code for code, _name in settings.LANGUAGES if code != get_language()]
    response = render(
        request,
        "offline.html",
        {
            "user": AnonymousUser(),
            "messages": [],
            "offline_page": True,
            "other_languages": languages,
        },
    )
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return _no_cache(response)
