"""Small server-rendered SVG charts: no JavaScript, no outside service, readable in a PDF.

Each chart comes with the numbers it draws; templates put a data table beside it for screen
readers, so the SVG itself is one labelled image (role="img").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_COLOUR = "#1d5c4d"  # the house green; AA contrast against white
TRACK_COLOUR = "#e9ecef"
TEXT_COLOUR = "#212529"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not shown (for example too few answers)
    value_text: str


def bar_chart(
    bars: Sequence[Bar],
    *,
    maximum: float,
    title: str,
    width: int = 760,
    label_width: int = 360,
    row_height: int = 36,
) -> SafeString:
    """A horizontal bar chart: one row per bar, the label left, the value right of its bar."""
    bar_space = width - label_width - 70
    height = row_height * max(len(bars), 1) + 8
    rows = []
    for index, bar in enumerate(bars):
        y = 4 + index * row_height
        length = 0 if bar.value is None or maximum <= 0 else bar_space * bar.value / maximum
        rows.append(
            (
                label_width - 8,
                y + row_height / 2 + 5,
                TEXT_COLOUR,
                bar.label,
                label_width,
                y + 6,
                bar_space,
                row_height - 12,
                TRACK_COLOUR,
                label_width,
                y + 6,
                round(length, 1),
                row_height - 12,
                BAR_COLOUR,
                label_width + bar_space + 8,
                y + row_height / 2 + 5,
                TEXT_COLOUR,
                bar.value_text,
            )
        )
    body = format_html_join(
        "\n",
        '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="14">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" fill="{}" font-size="14">{}</text>',
        rows,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" '
        'width="{}" height="{}" aria-labelledby="{}"><title id="{}">{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        "chart-title",
        "chart-title",
        title,
        body,
    )
