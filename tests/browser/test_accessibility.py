"""axe-core (vendored in static/), run in the page: the helpers every browser test shares.

The pages themselves are checked by test_accessibility_crawl.py, which follows the links of each
demo role instead of a list of paths.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR, "static", "vendor", "axe-core", "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


# Only what the assertions read comes back from the page: axe's whole result (every node of every
# rule that passed) is a large message to send and parse for each check.
RUN_AXE = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return {
        passes: result.passes.length,
        violations: result.violations.map(violation => ({
            id: violation.id,
            impact: violation.impact,
            nodes: violation.nodes.map(node => ({target: node.target})),
        })),
    };
}"""


def violations(page, impacts: tuple[str, ...] | None = None) -> list[str]:
    """What axe finds on the page (of the given impacts, else of any impact)."""
    # axe is half a megabyte of script: put it into a page once, not before every check (the
    # crawl checks each page at two widths).
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(RUN_AXE, TAGS)
    assert result["passes"], "axe did not run"
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in result["violations"]
        if impacts is None or violation["impact"] in impacts
        for node in violation["nodes"]
    ]


def serious_violations(page) -> list[str]:
    return violations(page, ("serious", "critical"))
