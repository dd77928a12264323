"""Charts drawn by the app as SVG: no charting service, no JavaScript needed to read them.

Each chart comes with its figures as a table (for screen readers, and for anyone who prefers
numbers) and a sentence that says what it shows. The figures arrive already guarded by
`pitstops.overview.guarded`, so a withheld figure reads "fewer than 3" in the table too and is
left out of the drawing. The same functions serve the overview, the report and its PDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

# Light colours with black text on them (contrast 5:1 and more): low, middle, high.
HEAT_COLOURS = ["#e7836f", "#f4b995", "#f2f2f2", "#a9cfe6", "#6ba8d6"]
LINE = "#1a4f7a"
DASH = "\N{EN DASH}"  # a missing figure
FONT = 'font-family="system-ui, sans-serif"'


@dataclass
class Chart:
    """An SVG drawing, its figures as rows of a table, and a text summary."""

    title: str
    svg: SafeString
    summary: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[object]] = field(default_factory=list)


def number(value: object) -> float | None:
    """A drawable number, or None for a missing or withheld figure."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _svg(
    chart_id: str, title: str, width: int, height: int, body: str, *, role: str = "img"
) -> SafeString:
    """A chart is one image to assistive technology, unless it holds links (then a group)."""
    return mark_safe(  # noqa: S308  (every text inside went through escape or format_html)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="{role}" aria-labelledby="{chart_id}-title" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>{body}</svg>'
    )


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start") -> str:
    return format_html(
        '<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="#212529">{}</text>',
        f"{x:.1f}",
        f"{y:.1f}",
        size,
        anchor,
        text,
    )


def radar(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[object],
    extra: Sequence[tuple[str, Sequence[object]]] = (),
) -> Chart:
    """The compass of one coalition: one spoke per theme, scores from 1 to 5.

    `extra` adds columns to the table only (e.g. residents' and professionals' means).
    """
    # Room on both sides for the theme names, which stand outside the circle.
    width, height, centre, middle, radius = 440, 300, 220, 150, 100
    spokes = max(len(labels), 3)
    parts = []
    for ring in (1, 2, 3, 4, 5):
        points = " ".join(
            f"{centre + radius * ring / 5 * math.sin(2 * math.pi * i / spokes):.1f},"
            f"{middle - radius * ring / 5 * math.cos(2 * math.pi * i / spokes):.1f}"
            for i in range(spokes)
        )
        parts.append(f'<polygon points="{points}" fill="none" stroke="#adb5bd"/>')
    shape = []
    for i, label in enumerate(labels):
        angle = 2 * math.pi * i / spokes
        x, y = math.sin(angle), -math.cos(angle)
        parts.append(
            f'<line x1="{centre}" y1="{middle}" x2="{centre + radius * x:.1f}" '
            f'y2="{middle + radius * y:.1f}" stroke="#adb5bd"/>'
        )
        anchor = "middle" if abs(x) < 0.2 else ("start" if x > 0 else "end")
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append(
            _text(
                centre + (radius + 8) * x,
                middle + (radius + 12) * y + 4,
                short,
                size=11,
                anchor=anchor,
            )
        )
        value = number(values[i]) or 0.0
        shape.append(f"{centre + radius * value / 5 * x:.1f},{middle + radius * value / 5 * y:.1f}")
    if any(number(value) is not None for value in values):
        parts.append(
            f'<polygon points="{" ".join(shape)}" fill="{LINE}" fill-opacity="0.25" '
            f'stroke="{LINE}" stroke-width="2"/>'
        )
    drawn = [(label, number(value)) for label, value in zip(labels, values, strict=True)]
    known = [(label, value) for label, value in drawn if value is not None]
    if known:
        high = max(known, key=lambda item: item[1])
        low = min(known, key=lambda item: item[1])
        summary = gettext(
            "Highest: %(high)s (%(high_value)s). Lowest: %(low)s (%(low_value)s)."
        ) % {
            "high": high[0],
            "high_value": _format(high[1]),
            "low": low[0],
            "low_value": _format(low[1]),
        }
    else:
        summary = gettext("No compass filled in yet.")
    return Chart(
        title=title,
        svg=_svg(chart_id, title, width, height, "".join(parts)),
        summary=summary,
        headers=[gettext("Theme"), gettext("Compass (1 to 5)"), *[name for name, _ in extra]],
        rows=[
            [label, _cell(value), *[_cell(column[i]) for _, column in extra]]
            for i, (label, value) in enumerate(zip(labels, values, strict=True))
        ],
    )


def small_multiples(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[object]]],
) -> Chart:
    """One small line chart per theme, on the same scale (1 to 5), across the pitstops."""
    columns, panel_width, panel_height = 2, 170, 90
    rows_needed = max(1, math.ceil(len(series) / columns))
    width, height = columns * panel_width, rows_needed * panel_height
    parts = []
    rising, falling = [], []
    steps = max(len(x_labels) - 1, 1)
    for index, (label, values) in enumerate(series):
        left = (index % columns) * panel_width + 8
        top = (index // columns) * panel_height + 4
        plot_width, plot_top, plot_height = panel_width - 24, top + 20, panel_height - 36
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(_text(left, top + 12, short, size=11))
        parts.append(
            f'<rect x="{left}" y="{plot_top}" width="{plot_width}" height="{plot_height}" '
            f'fill="none" stroke="#ced4da"/>'
        )
        points = [
            (left + plot_width * i / steps, plot_top + plot_height * (5 - value) / 4)
            for i, value in enumerate(number(v) for v in values)
            if value is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>'
            )
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>' for x, y in points)
        known = [n for n in (number(v) for v in values) if n is not None]
        if len(known) > 1 and known[-1] > known[0]:
            rising.append(label)
        elif len(known) > 1 and known[-1] < known[0]:
            falling.append(label)
    sentences = []
    if rising:
        sentences.append(gettext("Rising: %(themes)s.") % {"themes": ", ".join(rising)})
    if falling:
        sentences.append(gettext("Falling: %(themes)s.") % {"themes": ", ".join(falling)})
    summary = " ".join(sentences) or gettext("No change between pitstops yet.")
    return Chart(
        title=title,
        svg=_svg(chart_id, title, width, height, "".join(parts)),
        summary=summary,
        headers=[gettext("Theme"), *x_labels],
        rows=[[label, *[_cell(value) for value in values]] for label, values in series],
    )


def ladder_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    counts: Sequence[int],
    shifts: Sequence[int] | None = None,
) -> Chart:
    """Where the raters place the coalition on the ladder, with the shift since last time."""
    row_height, label_width, bar_width = 26, 150, 150
    width, height = label_width + bar_width + 60, row_height * len(labels) + 6
    largest = max([*counts, 1])
    parts = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        y = i * row_height + 4
        parts.append(_text(0, y + 15, label, size=11))
        length = bar_width * count / largest
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="16" fill="{LINE}"/>'
        )
        parts.append(_text(label_width + length + 4, y + 15, str(count), size=11))
    total = sum(counts)
    if total:
        top = max(range(len(counts)), key=lambda i: counts[i])
        summary = gettext("Most raters choose “%(rung)s”: %(count)s of %(total)s.") % {
            "rung": labels[top],
            "count": counts[top],
            "total": total,
        }
        if shifts:
            moved = [
                f"{label} {shift:+d}" for label, shift in zip(labels, shifts, strict=True) if shift
            ]
            if moved:
                summary += " " + gettext("Since the previous pitstop: %(moves)s.") % {
                    "moves": ", ".join(moved)
                }
    else:
        summary = gettext("No one placed the coalition on the ladder yet.")
    headers = [gettext("Place on the ladder"), gettext("Raters")]
    if shifts is not None:
        headers.append(gettext("Since the previous pitstop"))
    rows = [
        [label, count, *([f"{shifts[i]:+d}"] if shifts is not None else [])]
        for i, (label, count) in enumerate(zip(labels, counts, strict=True))
    ]
    return Chart(
        title=title,
        svg=_svg(chart_id, title, width, height, "".join(parts)),
        summary=summary,
        headers=headers,
        rows=rows,
    )


def heat_map(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, str, Sequence[object]]],
    columns: Sequence[str],
    *,
    low: float,
    high: float,
) -> Chart:
    """Rows (label, link, values) by columns, coloured from low to high; each row label links."""
    label_width, cell_width, cell_height, header = 130, 56, 24, 96
    width = label_width + cell_width * len(columns) + 90  # room for the last slanted name
    height = header + cell_height * len(rows) + 4
    parts = []
    for j, column in enumerate(columns):
        # Slanted, so that long theme names do not run into each other.
        short = column if len(column) <= 18 else column[:17] + "…"
        x, y = label_width + cell_width * j + cell_width / 2 - 4, header - 6
        parts.append(
            format_html(
                '<g transform="rotate(-35 {} {})">{}</g>',
                f"{x:.1f}",
                f"{y:.1f}",
                _text(x, y, short, size=10),
            )
        )
    best, worst = None, None
    for i, (label, link, values) in enumerate(rows):
        y = header + cell_height * i
        short = label if len(label) <= 18 else label[:17] + "…"
        parts.append(
            format_html(
                '<a href="{}" aria-label="{}">{}</a>',
                link,
                label,
                _text(0, y + 16, short, size=11),
            )
        )
        for j, value in enumerate(values):
            drawn = number(value)
            x = label_width + cell_width * j
            if drawn is None:
                colour = "#ffffff"
            else:
                position = 0.5 if high <= low else (drawn - low) / (high - low)
                colour = HEAT_COLOURS[min(4, max(0, int(position * 5)))]
                if best is None or drawn > best[0]:
                    best = (drawn, label, columns[j])
                if worst is None or drawn < worst[0]:
                    worst = (drawn, label, columns[j])
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_width - 2}" height="{cell_height - 2}" '
                f'fill="{colour}" stroke="#dee2e6"/>'
            )
            parts.append(
                _text(
                    x + cell_width / 2 - 1,
                    y + 16,
                    _cell(value) if drawn is not None else DASH,
                    size=11,
                    anchor="middle",
                )
            )
    if best is not None:
        summary = gettext(
            "Strongest: %(best_row)s on %(best_column)s (%(best)s). "
            "Weakest: %(worst_row)s on %(worst_column)s (%(worst)s)."
        ) % {
            "best_row": best[1],
            "best_column": best[2],
            "best": _format(best[0]),
            "worst_row": worst[1],
            "worst_column": worst[2],
            "worst": _format(worst[0]),
        }
    else:
        summary = gettext("No figures yet.")
    return Chart(
        title=title,
        svg=_svg(chart_id, title, width, height, "".join(parts), role="group"),
        summary=summary,
        headers=[gettext("Coalition"), *columns],
        rows=[[label, *[_cell(value) for value in values]] for label, _link, values in rows],
    )


def _format(value: float) -> str:
    from django.utils.formats import number_format

    return number_format(value, 0 if float(value).is_integer() else 1)


def _cell(value: object) -> str:
    """How a figure reads in a table: withheld ones as "fewer than 3", missing ones as a dash."""
    if value is None:
        return DASH
    if type(value) is float:  # a Mean prints itself; a plain float gets the reader's decimals
        return _format(value)
    return str(value)


# The report's compass: one horizontal bar per theme, readable in a PDF as on screen.

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
