"""A theme's icon: `{% load themes %}{% theme_icon theme %}`, wherever a theme is chosen or shown.

The five discoveries each have their own simple picture (static/icons/themes/), so someone who
reads little finds "their" theme again by its picture; a theme an expedition added itself gets a
plain flag. The picture only repeats the name beside it: decorative, hidden from screen readers.
"""

from __future__ import annotations

import functools
import re

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from coalitions.models import Theme

register = template.Library()

# The keys of the shipped themes (coalitions/migrations/0002_default_themes.py); an expedition's
# copies keep the key.
THEMES_WITH_AN_ICON = frozenset(
    {"reisgezelschap", "teamgeest", "samenkracht", "klein", "bewoners-aan-zet"}
)


def icon_path(key: str) -> str:
    """The icon's path among the static files, for the theme with this key (else the flag)."""
    return f"icons/themes/{key if key in THEMES_WITH_AN_ICON else 'theme'}.svg"


def icon_url(key: str) -> str:
    return static(icon_path(key))


def icon_svg(key: str) -> str:
    """The icon itself, to put in the page: the PDF of a report fetches no files."""
    return _svg(icon_path(key))


@functools.cache  # six files at most
def _svg(path: str) -> str:
    with open(finders.find(path), encoding="utf-8") as file:
        svg = re.sub(r"<!--.*?-->\s*", "", file.read(), flags=re.S).strip()
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" class="theme-icon" ', 1)


@register.filter
def theme_icon_url(theme: Theme | str) -> str:
    """The address of a theme's icon (or of the key's), for an <img> a template writes itself."""
    return icon_url(theme if isinstance(theme, str) else theme.key)


@register.simple_tag
def theme_icon(theme: Theme | str | None, size: int = 24, *, inline: bool = False) -> SafeString:
    """An <img> of the theme's icon, or nothing without a theme; takes a theme or its key.

    `inline=True` puts the SVG itself in the page, for pages that are also printed to PDF.
    """
    if not theme:
        return SafeString("")
    key = theme if isinstance(theme, str) else theme.key
    if inline:
        return SafeString(icon_svg(key))  # our own file, not anyone's input
    return format_html(
        '<img src="{}" alt="" aria-hidden="true" class="theme-icon" width="{}" height="{}">',
        icon_url(key),
        size,
        size,
    )
