"""The pitstops app's rows in the permission matrix (GET requests).

POST-only URLs answer GET with 405; who may POST to them is tested in test_session_permissions.
Participant URLs need no log-in: the join code and a signed cookie decide.
"""

from tests.factories import RedThreadSuggestionFactory
from tests.matrix import LOGIN, expect, logged_in

FACILITATORS_ONLY = logged_in(404, facilitator=200, superuser=200)
POST_ONLY = expect(405, anonymous=LOGIN)
PUBLIC_POST_ONLY = expect(405)


def session(w):
    return {"pk": w.session.pk}


def round_of(w):
    return {"expedition": w.expedition.slug, "number": w.pitstop.number}


def suggestion(w):
    made = RedThreadSuggestionFactory(run__pitstop=w.pitstop, reflections=[w.card])
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
    ("pitstops:suggestions", round_of, FACILITATORS_ONLY),
    ("pitstops:suggestions_progress", round_of, FACILITATORS_ONLY),
    ("pitstops:suggestions_start", round_of, POST_ONLY),
    ("pitstops:suggestion_accept", suggestion, POST_ONLY),
    ("pitstops:suggestion_dismiss", suggestion, POST_ONLY),
    ("pitstops:session_create", lambda w: {"slug": w.expedition.slug}, FACILITATORS_ONLY),
    ("pitstops:session_run", session, FACILITATORS_ONLY),
    ("pitstops:session_board", session, FACILITATORS_ONLY),
    ("pitstops:session_summary", session, FACILITATORS_ONLY),  # members: once closed
    ("pitstops:session_control", session, POST_ONLY),
    ("pitstops:card_action", card, POST_ONLY),
    ("pitstops:group_add", session, POST_ONLY),
    ("pitstops:scribe", session, POST_ONLY),
    ("pitstops:agreement_add", session, POST_ONLY),
    (
        "pitstops:agreement_review",
        lambda w: {"pk": w.session.pk, "agreement_pk": w.agreement.pk},
        POST_ONLY,
    ),
    ("pitstops:join", lambda w: {}, expect(200)),
    ("pitstops:join_as", lambda w: {}, PUBLIC_POST_ONLY),
    ("pitstops:participate", session, expect(302)),  # not joined: back to the join page
    ("pitstops:card_post", session, PUBLIC_POST_ONLY),
    ("pitstops:card_change", card, PUBLIC_POST_ONLY),
    ("pitstops:mark", card, PUBLIC_POST_ONLY),
    ("pitstops:propose_agreement", session, PUBLIC_POST_ONLY),
    ("pitstops:compass", session, PUBLIC_POST_ONLY),
]
