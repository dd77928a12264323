"""axe-core (vendored in static/) finds no serious or critical WCAG 2.2 AA problems on our pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from .conftest import DESKTOP, PHONE, log_in

AXE = Path(settings.BASE_DIR, "static", "vendor", "axe-core", "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def serious_violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    assert result["passes"], "axe did not run"
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_log_in_page(page, live_server, demo, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/inloggen/")
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("bewoner", "/"),
        ("bewoner", "/expeditie/expeditie-2026/coalitie/apeldoorn/"),
        ("coordinator", "/expeditie/expeditie-2026/pitstop/1/verslag/"),
        ("begeleider", "/expeditie/expeditie-2026/"),
    ],
)
def test_pages_per_role(page, live_server, demo, username, path):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, username)
    page.goto(f"{live_server.url}{path}")
    assert serious_violations(page) == []
