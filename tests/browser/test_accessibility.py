"""axe-core (vendored in static/), run in the page: the helpers every browser test shares.

The pages themselves are checked by test_accessibility_crawl.py, which follows the links of each
demo role instead of a list of paths.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR, "static", "vendor", "axe-core", "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def violations(page, impacts: tuple[str, ...] | None = None) -> list[str]:
    """What axe finds on the page (of the given impacts, else of any impact)."""
    page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    assert result["passes"], "axe did not run"
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in result["violations"]
        if impacts is None or violation["impact"] in impacts
        for node in violation["nodes"]
    ]


def serious_violations(page) -> list[str]:
    return violations(page, ("serious", "critical"))
