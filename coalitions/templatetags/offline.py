"""Who a page is for, as the service worker and the writing queue know it (expeditie.offline)."""

from __future__ import annotations

from typing import Any

from django import template

from expeditie.offline import account_viewer, writer_pseudonym

register = template.Library()


@register.simple_tag(takes_context=True)
def offline_account(context: Any) -> str:
    """The signed-in session's pseudonym ("" for a visitor): base.html tells the worker."""
    return account_viewer(context.get("request"))


@register.simple_tag(takes_context=True)
def offline_writer(context: Any) -> str:
    """The signed-in person's pseudonym for the keys of words waiting in this browser."""
    request = context.get("request")
    return writer_pseudonym(getattr(request, "user", None))
