from django.urls import path

from .views import (
    journey,
    overview,
    photos,
    report,
    running,
    streams,
    suggestions,
    summary,
    synthesis,
    taking_part,
)

app_name = "pitstops"

urlpatterns = [
    path("expeditie/<slug:expedition>/pitstop/<int:number>/verslag/", report.report, name="report"),
    # A coalition's journey across the pitstops: under the coalition's own address.
    path(
        "expeditie/<slug:expedition>/coalitie/<slug:slug>/reis/",
        journey.journey,
        name="journey",
    ),
    # Coordinators: what recurs across coalitions, and its export.
    path("expeditie/<slug:expedition>/overzicht/", overview.overview, name="overview"),
    path(
        "expeditie/<slug:expedition>/overzicht/overzicht.csv",
        overview.overview_csv,
        name="overview_csv",
    ),
    path(
        "expeditie/<slug:expedition>/overzicht/overzicht.xlsx",
        overview.overview_xlsx,
        name="overview_xlsx",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/verslag.pdf",
        report.report_pdf,
        name="report_pdf",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/verslag.docx",
        report.report_docx,
        name="report_docx",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/verslag/kort/",
        report.report_short,
        name="report_short",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/verslag-kort.pdf",
        report.report_short_pdf,
        name="report_short_pdf",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/verslag-kort.docx",
        report.report_short_docx,
        name="report_short_docx",
    ),
    # The facilitation team's synthesis: workspace, red threads, introduction, publishing.
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/werkplaats/",
        synthesis.workspace,
        name="workspace",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/werkplaats/rode-draad/",
        synthesis.red_thread_create,
        name="red_thread_create",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/werkplaats/inleiding/",
        synthesis.introduction,
        name="introduction",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/werkplaats/publiceren/",
        synthesis.publish,
        name="publish",
    ),
    path("rode-draad/<int:pk>/", synthesis.red_thread_edit, name="red_thread_edit"),
    path("rode-draad/<int:pk>/verwijderen/", synthesis.red_thread_delete, name="red_thread_delete"),
    path("rode-draad/<int:pk>/verplaatsen/", synthesis.red_thread_move, name="red_thread_move"),
    path("rode-draad/<int:pk>/bewijs/", synthesis.evidence, name="evidence"),
    path("rode-draad/<int:pk>/meer-zoals-dit/", synthesis.more_like_this, name="more_like_this"),
    # Suggested red threads: the facilitation team clusters a round in the background.
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/",
        suggestions.suggestions_page,
        name="suggestions",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/maken/",
        suggestions.suggestions_start,
        name="suggestions_start",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/voortgang/",
        suggestions.suggestions_progress,
        name="suggestions_progress",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/<int:pk>/aannemen/",
        suggestions.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/<int:pk>/negeren/",
        suggestions.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/eigen-woorden/",
        suggestions.own_concept_add,
        name="own_concept_add",
    ),
    path(
        "expeditie/<slug:expedition>/pitstop/<int:number>/suggesties/eigen-woorden/<int:pk>/weg/",
        suggestions.own_concept_delete,
        name="own_concept_delete",
    ),
    # The facilitator prepares and runs a session.
    path("expeditie/<slug:slug>/sessie/nieuw/", running.session_create, name="session_create"),
    path("sessie/<int:pk>/leiden/", running.session_run, name="session_run"),
    path("sessie/<int:pk>/bord/", running.session_board, name="session_board"),
    # Live screens' streams (Server-Sent Events); nginx passes them on unbuffered.
    path("sessie/<int:pk>/leiden/stroom/", streams.session_run_stream, name="session_run_stream"),
    path("sessie/<int:pk>/bord/stroom/", streams.session_board_stream, name="session_board_stream"),
    path("sessie/<int:pk>/meedoen/stroom/", streams.participate_stream, name="participate_stream"),
    path("sessie/<int:pk>/bediening/", running.session_control, name="session_control"),
    path("sessie/<int:pk>/kaart/<int:card_pk>/", running.card_action, name="card_action"),
    path("sessie/<int:pk>/kaart/<int:card_pk>/foto/", photos.card_photo, name="card_photo"),
    path(
        "sessie/<int:pk>/verzoek/<int:request_pk>/",
        running.join_request_decide,
        name="join_request_decide",
    ),
    path("sessie/<int:pk>/groep/", running.group_add, name="group_add"),
    path("sessie/<int:pk>/notitie/", running.scribe, name="scribe"),
    path("sessie/<int:pk>/verhaal-gekozen/", running.story_choose, name="story_choose"),
    path("sessie/<int:pk>/afspraak/", running.agreement_add, name="agreement_add"),
    path(
        "sessie/<int:pk>/afspraak/<int:agreement_pk>/terugblik/",
        running.agreement_review,
        name="agreement_review",
    ),
    path("sessie/<int:pk>/samenvatting/", summary.session_summary, name="session_summary"),
    # Participants join with a code and take part on their phones.
    path("doe-mee/", taking_part.join, name="join"),
    path("doe-mee/wie-ben-je/", taking_part.join_as, name="join_as"),
    path("doe-mee/vraag-de-begeleider/", taking_part.join_request, name="join_request"),
    path("sessie/<int:pk>/meedoen/wachten/", taking_part.join_wait, name="join_wait"),
    path("sessie/<int:pk>/meedoen/", taking_part.participate, name="participate"),
    path("sessie/<int:pk>/meedoen/kaart/", taking_part.card_post, name="card_post"),
    path("sessie/<int:pk>/meedoen/stoppen/", taking_part.leave, name="leave"),
    path(
        "sessie/<int:pk>/meedoen/kaart/<int:card_pk>/",
        taking_part.card_change,
        name="card_change",
    ),
    path("sessie/<int:pk>/meedoen/kaart/<int:card_pk>/telt/", taking_part.mark, name="mark"),
    path(
        "sessie/<int:pk>/meedoen/afspraak/",
        taking_part.propose_agreement,
        name="propose_agreement",
    ),
    path("sessie/<int:pk>/meedoen/kompas/", taking_part.compass, name="compass"),
]
