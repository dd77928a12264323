"""The pitstops app's rows in the permission matrix (GET requests).

POST-only URLs answer GET with 405; who may POST to them is tested in test_session_permissions.
Participant URLs need no log-in: the join code and a signed cookie decide.
"""

from tests.factories import RedThreadFactory, RedThreadSuggestionFactory
from tests.matrix import LOGIN, expect, logged_in

FACILITATORS_ONLY = logged_in(404, facilitator=200, superuser=200)
STREAM_FOR_FACILITATORS = logged_in(404, facilitator=204, superuser=204)
POST_ONLY = expect(405, anonymous=LOGIN)
# An export of a pitstop with nothing in it yet: the team is sent back to the page, with a message.
FACILITATORS_ONLY_OR_EMPTY = logged_in(404, facilitator=302, superuser=302)
PUBLIC_POST_ONLY = expect(405)


def session(w):
    return {"pk": w.session.pk}


def join_request(w):
    """A phone waiting to join as the resident, made once per World."""
    if not hasattr(w, "join_request"):
        from pitstops.models import JoinRequest

        w.join_request = JoinRequest.objects.create(session=w.session, member=w.resident)
    return {"pk": w.session.pk, "request_pk": w.join_request.pk}


def round_of(w):
    return {"expedition": w.expedition.slug, "number": w.pitstop.number}


def draft_thread(w):
    return {"pk": RedThreadFactory(pitstop=w.pitstop).pk}


def suggestion(w):
    made = RedThreadSuggestionFactory(run__pitstop=w.pitstop, reflections=[w.card])
    return {**round_of(w), "pk": made.pk}


def own_concept(w):
    from pitstops.models import OwnConcept

    made, _new = OwnConcept.objects.get_or_create(
        expedition=w.expedition, name="Bevingen", defaults={"words": "beving"}
    )
    return {**round_of(w), "pk": made.pk}


def card(w):
    return {"pk": w.session.pk, "card_pk": w.card.pk}


CASES = [
    (
        "pitstops:report",
        lambda w: {"expedition": w.expedition.slug, "number": w.pitstop.number},
        logged_in(200, stranger=404),
    ),
    (
        "pitstops:report",
        lambda w: {"expedition": w.expedition.slug, "number": w.draft_pitstop.number},
        FACILITATORS_ONLY,
    ),
    # A coalition's journey: its members, the facilitation team and the coordinators (who see
    # what is published or counted); members of another coalition and strangers get a 404.
    (
        "pitstops:journey",
        lambda w: {"expedition": w.expedition.slug, "slug": w.coalition.slug},
        logged_in(
            404, resident=200, professional=200, facilitator=200, coordinator=200, superuser=200
        ),
    ),
    # The coordinators' overview and its exports: members and outsiders get a 404.
    *[
        (
            name,
            lambda w: {"expedition": w.expedition.slug},
            logged_in(404, facilitator=200, coordinator=200, superuser=200),
        )
        for name in ("pitstops:overview", "pitstops:overview_csv", "pitstops:overview_xlsx")
    ],
    ("pitstops:report_pdf", round_of, logged_in(200, stranger=404)),
    ("pitstops:report_docx", round_of, logged_in(200, stranger=404)),
    # The short version for members: the same readers as the whole report.
    ("pitstops:report_short", round_of, logged_in(200, stranger=404)),
    ("pitstops:report_short_pdf", round_of, logged_in(200, stranger=404)),
    ("pitstops:report_short_docx", round_of, logged_in(200, stranger=404)),
    (
        "pitstops:report_short",
        lambda w: {"expedition": w.expedition.slug, "number": w.draft_pitstop.number},
        FACILITATORS_ONLY,
    ),
    (
        "pitstops:report_pdf",
        lambda w: {"expedition": w.expedition.slug, "number": w.draft_pitstop.number},
        FACILITATORS_ONLY_OR_EMPTY,
    ),
    # The synthesis: the facilitation team only; members and coordinators get 404 on drafts too.
    ("pitstops:workspace", round_of, FACILITATORS_ONLY),
    ("pitstops:red_thread_create", round_of, FACILITATORS_ONLY),
    ("pitstops:introduction", round_of, FACILITATORS_ONLY),
    ("pitstops:publish", round_of, POST_ONLY),
    ("pitstops:red_thread_edit", draft_thread, FACILITATORS_ONLY),
    ("pitstops:red_thread_delete", draft_thread, POST_ONLY),
    ("pitstops:red_thread_move", draft_thread, POST_ONLY),
    ("pitstops:evidence", draft_thread, POST_ONLY),
    ("pitstops:more_like_this", draft_thread, FACILITATORS_ONLY),
    ("pitstops:suggestions", round_of, FACILITATORS_ONLY),
    ("pitstops:suggestions_progress", round_of, FACILITATORS_ONLY),
    ("pitstops:suggestions_start", round_of, POST_ONLY),
    ("pitstops:suggestion_accept", suggestion, POST_ONLY),
    ("pitstops:suggestion_dismiss", suggestion, POST_ONLY),
    ("pitstops:own_concept_add", round_of, POST_ONLY),
    ("pitstops:own_concept_delete", own_concept, POST_ONLY),
    ("pitstops:session_create", lambda w: {"slug": w.expedition.slug}, FACILITATORS_ONLY),
    ("pitstops:session_run", session, FACILITATORS_ONLY),
    ("pitstops:session_board", session, FACILITATORS_ONLY),
    # Streams answer 204 ("poll instead") outside an ASGI server, as in these tests; outsiders
    # get the page's 404 first (tests/pitstops/test_streams.py streams them through ASGI).
    ("pitstops:session_run_stream", session, STREAM_FOR_FACILITATORS),
    ("pitstops:session_board_stream", session, STREAM_FOR_FACILITATORS),
    ("pitstops:session_summary", session, FACILITATORS_ONLY),  # members: once closed
    ("pitstops:session_control", session, POST_ONLY),
    ("pitstops:card_action", card, POST_ONLY),
    ("pitstops:card_photo", card, expect(404)),  # this card has no photo: see test_photos.py
    ("pitstops:join_request_decide", join_request, POST_ONLY),
    ("pitstops:group_add", session, POST_ONLY),
    ("pitstops:scribe", session, POST_ONLY),
    ("pitstops:story_choose", session, POST_ONLY),
    ("pitstops:agreement_add", session, POST_ONLY),
    (
        "pitstops:agreement_review",
        lambda w: {"pk": w.session.pk, "agreement_pk": w.agreement.pk},
        POST_ONLY,
    ),
    ("pitstops:join", lambda w: {}, expect(200)),
    ("pitstops:join_as", lambda w: {}, PUBLIC_POST_ONLY),
    ("pitstops:join_request", lambda w: {}, PUBLIC_POST_ONLY),
    ("pitstops:join_wait", session, expect(302)),  # no request from this phone: join page
    ("pitstops:participate", session, expect(302)),  # not joined: back to the join page
    ("pitstops:participate_stream", session, expect(204)),  # not joined: nothing to stream
    ("pitstops:card_post", session, PUBLIC_POST_ONLY),
    ("pitstops:leave", session, PUBLIC_POST_ONLY),
    ("pitstops:card_change", card, PUBLIC_POST_ONLY),
    ("pitstops:mark", card, PUBLIC_POST_ONLY),
    ("pitstops:propose_agreement", session, PUBLIC_POST_ONLY),
    ("pitstops:compass", session, PUBLIC_POST_ONLY),
]
