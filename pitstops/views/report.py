"""The published write-up of a pitstop round: on the page, as a PDF and as a Word file."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coalitions.audit import audited
from coalitions.models import AuditEntry
from coalitions.rules import get_for_user_or_404

from ..models import Pitstop
from ..synthesis import exports
from ..synthesis.report import Report, build_report

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _report(request: HttpRequest, expedition: str, number: int, *, short: bool = False) -> Report:
    pitstop = get_for_user_or_404(
        request.user,
        "pitstops.view_report",
        Pitstop.objects.select_related("expedition"),
        expedition__slug=expedition,
        number=number,
    )
    # The team sees drafts (marked); readers only what is published.
    return build_report(
        pitstop,
        with_drafts=request.user.has_perm("pitstops.view_drafts", pitstop),
        short=short,
    )


@require_safe
@audited("pitstops:report")
def report(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    """Red threads with quotes whose authors consented, never with a name."""
    content = _report(request, expedition, number)
    return render(
        request,
        "pitstops/report.html",
        {
            "pitstop": content.pitstop,
            "report": content,
            "can_synthesise": request.user.has_perm("pitstops.synthesise", content.pitstop),
        },
    )


def _nothing_to_export(request: HttpRequest, content: Report) -> HttpResponse:
    messages.info(
        request, _("There is nothing to download yet: this report has no text and no red threads.")
    )
    return redirect(content.pitstop.get_absolute_url())


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@audited("pitstops:report_pdf", action=AuditEntry.Action.EXPORT)
def report_pdf(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    content = _report(request, expedition, number)
    if content.is_empty:
        return _nothing_to_export(request, content)
    body = exports.report_pdf(content, base_url=request.build_absolute_uri("/"))
    return _download(body, "application/pdf", exports.file_name(content, "pdf"))


@require_safe
@audited("pitstops:report_docx", action=AuditEntry.Action.EXPORT)
def report_docx(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    content = _report(request, expedition, number)
    if content.is_empty:
        return _nothing_to_export(request, content)
    return _download(exports.report_docx(content), DOCX, exports.file_name(content, "docx"))


# The short version for members: the same red threads, quotes and agreements in plain Dutch.


@require_safe
@audited("pitstops:report_short")
def report_short(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    content = _report(request, expedition, number, short=True)
    return render(
        request, "pitstops/report_short.html", {"pitstop": content.pitstop, "report": content}
    )


@require_safe
@audited("pitstops:report_short_pdf", action=AuditEntry.Action.EXPORT)
def report_short_pdf(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    content = _report(request, expedition, number, short=True)
    if content.is_empty:
        return _nothing_to_export(request, content)
    body = exports.report_pdf(content, base_url=request.build_absolute_uri("/"))
    return _download(body, "application/pdf", exports.file_name(content, "pdf"))


@require_safe
@audited("pitstops:report_short_docx", action=AuditEntry.Action.EXPORT)
def report_short_docx(request: HttpRequest, expedition: str, number: int) -> HttpResponse:
    content = _report(request, expedition, number, short=True)
    if content.is_empty:
        return _nothing_to_export(request, content)
    return _download(exports.report_docx(content), DOCX, exports.file_name(content, "docx"))
