"""Record who views or exports pages with facilitators-only words or drafts (ASVS 16.3)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import AuditEntry


def may_read_private_words(user) -> bool:
    """Superusers and facilitators: the only ones who get facilitators-only words on screen."""
    return user.is_authenticated and (user.is_superuser or user.facilitated_expeditions.exists())


def record(request: HttpRequest, *, action: str, page: str) -> None:
    AuditEntry.objects.create(
        user=request.user,
        username=request.user.get_username(),
        action=action,
        page=page,
        path=request.path[:300],
    )


def audited(page: str, *, action: str = AuditEntry.Action.VIEW) -> Callable:
    """Log a successful view (not the 2-second polls) by someone who may read private words."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and request.method in ("GET", "HEAD")
                and not getattr(request, "htmx", False)
                and may_read_private_words(request.user)
            ):
                record(request, action=action, page=page)
            return response

        return wrapper

    return decorator
