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
from .readability import as_sentence
from .report import Report

PRINT_CSS = "css/report-print.css"
BODY = "pitstops/_report_body.html"
SHORT_BODY = "pitstops/_report_short_body.html"


def file_name(report: Report, extension: str) -> str:
    pitstop = report.pitstop
    name = f"pitstop-{pitstop.number}-{slugify(pitstop.title)[:60] or 'verslag'}"
    return f"{name}-kort.{extension}" if report.short else f"{name}.{extension}"


def report_pdf(report: Report, *, base_url: str) -> bytes:
    # Imported here: WeasyPrint loads Pango and fonts, which only exports need.
    from weasyprint import CSS, HTML

    body = SHORT_BODY if report.short else BODY
    html = render_to_string("pitstops/report_pdf.html", {"report": report, "body": body})
    stylesheet = CSS(filename=finders.find(PRINT_CSS))
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])


def report_docx(report: Report) -> bytes:
    from docx import Document

    pitstop = report.pitstop
    document = Document()
    document.core_properties.title = pitstop.title
    document.core_properties.author = str(pitstop.expedition)  # the programme, never a person
    document.add_paragraph(str(pitstop.expedition))
    if report.short:
        title = _("%(title)s: the short version") % {"title": pitstop.title}
    else:
        title = pitstop.title
    document.add_heading(title, level=0)
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
    if report.short:
        _short_docx(document, report)
    else:
        _full_docx(document, report)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _quotes(document: object, quotes: list) -> None:
    from docx.shared import Pt

    for quote in quotes:
        document.add_paragraph(quote.text, style="Quote")
        caption = document.add_paragraph(f"— {quote.coalition}")
        caption.runs[0].font.size = Pt(9)


def _thread_heading(thread: object) -> str:
    heading = f"{thread.number}. {thread.title}"
    return heading if thread.is_published else f"{heading} ({thread.status})"


def _full_docx(document: object, report: Report) -> None:
    if not report.threads:
        document.add_paragraph(_("No red threads yet."))
    for thread in report.threads:
        document.add_heading(_thread_heading(thread), level=1)
        if thread.continues:
            document.add_paragraph(thread.continues)
        if thread.themes:
            document.add_paragraph(f"{_('Themes')}: {', '.join(thread.themes)}")
        if thread.coalitions:
            document.add_paragraph(f"{_('Coalitions')}: {', '.join(thread.coalitions)}")
        _markdown(document, thread.text)
        if thread.quotes:
            document.add_heading(_("In their own words"), level=2)
            _quotes(document, thread.quotes)
    _stories(
        document,
        report,
        _(
            "In the round “Stories of change” everyone told what has changed for them since the "
            "last pitstop. Each group chose the story that matters most, and said why."
        ),
        empty=_("No chosen story of this round may be quoted in the report."),
    )
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


def _short_docx(document: object, report: Report) -> None:
    """The short version's words, as in _report_short_body.html."""
    document.add_heading(_("What we heard"), level=1)
    if not report.threads:
        document.add_paragraph(_("No red threads yet."))
    for thread in report.threads:
        document.add_heading(_thread_heading(thread), level=2)
        if thread.continues:
            document.add_paragraph(thread.continues)
        _quotes(document, thread.quotes)
    _stories(
        document,
        report,
        _("Everyone told what has changed for them. Each group chose one story. And said why."),
        empty=_("There is no story we may share here."),
        short=True,
    )
    if report.follow_up:
        document.add_heading(_("What we will do"), level=1)
        for group in report.follow_up:
            document.add_heading(group.coalition, level=2)
            for agreement in group.agreements:
                parts = [as_sentence(agreement.what)]
                if agreement.lead_role:
                    parts.append(_("A %(role)s leads it.") % {"role": agreement.lead_role})
                if agreement.due_on:
                    parts.append(
                        _("Done by %(date)s.") % {"date": date_format(agreement.due_on, "j F")}
                    )
                parts.append(_("Now: %(status)s.") % {"status": agreement.status})
                document.add_paragraph(" ".join(parts), style="List Bullet")
    if report.compass:
        document.add_heading(_("How we think it goes"), level=1)
        document.add_paragraph(
            _("Members gave each theme a score. A 1 means: not yet. A 5 means: very good.")
        )
        for line in report.compass:
            if line.average is None:
                score = _("too few answers to show.")
            else:
                score = _("%(score)s out of 5.") % {"score": line.average_text}
            document.add_paragraph(f"{line.theme}: {score}", style="List Bullet")


def _stories(
    document: object, report: Report, introduction: str, *, empty: str, short: bool = False
) -> None:
    """The round "Stories of change", as in the report's pages: quotable stories only."""
    if not report.stories.held:
        return
    document.add_heading(_("Stories of change"), level=1)
    document.add_paragraph(introduction)
    if not report.stories.stories:
        document.add_paragraph(empty)
    for story in report.stories.stories:
        _quotes(document, [story])
        if short:
            document.add_paragraph(_("Why this story: %(why)s") % {"why": story.why})
        else:
            document.add_paragraph(f"{_('Why the group chose it:')} {story.why}")


STYLES = {"heading": None, "item": "List Bullet", "quote": "Quote", "paragraph": None}


def _markdown(document: object, text: str) -> None:
    for kind, words in blocks(text):
        if kind == "heading":
            document.add_heading(words, level=2)
        else:
            document.add_paragraph(words, style=STYLES[kind])
