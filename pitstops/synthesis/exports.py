"""The report as a PDF (WeasyPrint, from the same HTML as the page) and as a Word file.

Both take a `Report` from report.py, so they carry exactly what the page carries: quotable words
only, no names.
"""

from __future__ import annotations

import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .markdown import blocks
from .report import Report

PRINT_CSS = "css/report-print.css"


def file_name(report: Report, extension: str) -> str:
    pitstop = report.pitstop
    return f"pitstop-{pitstop.number}-{slugify(pitstop.title)[:60] or 'verslag'}.{extension}"


def report_pdf(report: Report, *, base_url: str) -> bytes:
    # Imported here: WeasyPrint loads Pango and fonts, which only exports need.
    from weasyprint import CSS, HTML

    html = render_to_string("pitstops/report_pdf.html", {"report": report})
    stylesheet = CSS(filename=finders.find(PRINT_CSS))
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Pt

    pitstop = report.pitstop
    document = Document()
    document.core_properties.title = pitstop.title
    document.core_properties.author = str(pitstop.expedition)  # the programme, never a person
    document.add_paragraph(str(pitstop.expedition))
    document.add_heading(pitstop.title, level=0)
    if pitstop.is_report_published:
        dates = _("Published on %(date)s.") % {
            "date": date_format(pitstop.report_published_at, "j F Y")
        }
        if pitstop.report_updated_at:
            dates += " " + _("Updated on %(date)s.") % {
                "date": date_format(pitstop.report_updated_at, "j F Y, H:i")
            }
        document.add_paragraph(dates)
    _markdown(document, report.introduction)
    if not report.threads:
        document.add_paragraph(_("No red threads yet."))
    for thread in report.threads:
        heading = f"{thread.number}. {thread.title}"
        if not thread.is_published:
            heading += f" ({thread.status})"
        document.add_heading(heading, level=1)
        if thread.continues:
            document.add_paragraph(thread.continues)
        if thread.themes:
            document.add_paragraph(f"{_('Themes')}: {', '.join(thread.themes)}")
        if thread.coalitions:
            document.add_paragraph(f"{_('Coalitions')}: {', '.join(thread.coalitions)}")
        _markdown(document, thread.text)
        if thread.quotes:
            document.add_heading(_("In their own words"), level=2)
            for quote in thread.quotes:
                document.add_paragraph(quote.text, style="Quote")
                caption = document.add_paragraph(f"— {quote.coalition}")
                caption.runs[0].font.size = Pt(9)
    if report.follow_up:
        document.add_heading(_("What the coalitions agreed"), level=1)
        for group in report.follow_up:
            document.add_heading(group.coalition, level=2)
            for agreement in group.agreements:
                line = agreement.what
                if agreement.lead_role:
                    line += " · " + _("led by a %(role)s") % {"role": agreement.lead_role}
                if agreement.due_on:
                    line += " · " + _("by %(date)s") % {
                        "date": date_format(agreement.due_on, "j F Y")
                    }
                document.add_paragraph(f"{line} · {agreement.status}", style="List Bullet")
    if report.compass:
        document.add_heading(_("The compass of this round"), level=1)
        document.add_paragraph(
            _(
                "How the members think their coalition does per theme, from 1 (not yet) to 5 "
                "(very well). Averages of fewer than three answers are not shown."
            )
        )
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, (_("Theme"), _("Average"), _("Answers")), strict=True
        ):
            cell.text = text
        for line in report.compass:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = (
                line.theme,
                line.average_text,
                str(line.answers),
            )
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


STYLES = {"heading": None, "item": "List Bullet", "quote": "Quote", "paragraph": None}


def _markdown(document: object, text: str) -> None:
    for kind, words in blocks(text):
        if kind == "heading":
            document.add_heading(words, level=2)
        else:
            document.add_paragraph(words, style=STYLES[kind])
