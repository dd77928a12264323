"""The team's Markdown, rendered by markdown-it-py and sanitised by nh3.

Raw HTML is never passed through: markdown-it escapes it (``html: False``) and nh3 removes anything
else that is not plain formatting, so a report cannot carry a script or a `javascript:` link even
if a stored text predates the form's checks.
"""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "code",
    "pre",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# What the forms refuse, with a message, so the writer learns it instead of seeing text vanish.
RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*(?!https?:|mailto:|#|/)[a-zA-Z][a-zA-Z0-9+.-]*:", re.I)
SCRIPT_SCHEME = re.compile(r"(?:java|vb)script\s*:|data\s*:\s*text/html", re.I)


def render_markdown(text: str) -> SafeString:
    html = _parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


CLOSING = ("bullet_list_close", "ordered_list_close", "blockquote_close", "heading_close")


def blocks(text: str) -> list[tuple[str, str]]:
    """The text as plain blocks for Word: ("heading" | "item" | "quote" | "paragraph", text)."""
    found: list[tuple[str, str]] = []
    kinds: list[str] = []
    for token in _parser.parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            kinds.append("item")
        elif token.type == "blockquote_open":
            kinds.append("quote")
        elif token.type == "heading_open":
            kinds.append("heading")
        elif token.type in CLOSING:
            kinds.pop()
        elif token.type == "inline":
            words = "".join(
                child.content if child.type != "softbreak" else " "
                for child in token.children or []
                if child.type in ("text", "code_inline", "softbreak")
            )
            found.append((kinds[-1] if kinds else "paragraph", words))
    return found


def problems(text: str) -> list[str]:
    """Which unsafe things the text holds: "html" and/or "link"."""
    found = []
    if RAW_HTML.search(text or ""):
        found.append("html")
    if SCRIPT_SCHEME.search(text or "") or UNSAFE_LINK.search(text or ""):
        found.append("link")
    return found
