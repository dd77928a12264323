"""Template helpers for the synthesis workspace and the report."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..synthesis.markdown import render_markdown
from ..synthesis.readability import as_sentence
from ..synthesis.workspace import HIT_START, HIT_STOP

register = template.Library()


@register.filter
def highlight(snippet: str) -> SafeString:
    """A search snippet: the reflection's text escaped first, then the hits marked."""
    escaped = str(escape(snippet or ""))
    return mark_safe(  # noqa: S308 - escaped above; only our own markers become tags
        escaped.replace(HIT_START, "<mark>").replace(HIT_STOP, "</mark>")
    )


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


# A line typed without a full stop, ended as a sentence before the words that follow it.
register.filter("sentence", as_sentence)
