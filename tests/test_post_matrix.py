"""The permission matrix for changes: every URL that takes a POST, as every role.

A POST with no data is enough to meet the rules (they come before any form): a role the rules
refuse gets 404 (anonymous visitors go to log in) and nothing changes; a role they allow gets
past them (a form's message, a redirect, a conflict), never a 404. Public URLs (joining,
reminder answers, log-in) are decided by a code or a cookie, not by a role: every role gets the
same answer.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import ROLES
from tests.test_permissions import CASES

LOGGED_IN = set(ROLES) - {"anonymous"}
RUNS = {"facilitator", "superuser"}
MEMBERS = {"resident", "professional"}
SPACE = MEMBERS | RUNS

# Who the rules let through, per URL that takes a POST.
ALLOWED: dict[str, set[str]] = {
    "logout": LOGGED_IN,
    "password_change": LOGGED_IN,
    "coalitions:logout_everywhere": LOGGED_IN,
    "coalitions:erase": LOGGED_IN,
    "coalitions:count_me_in": MEMBERS,
    "coalitions:agreements": SPACE,
    "coalitions:agreement_edit": SPACE,
    "coalitions:agreement_help": MEMBERS,  # asking for help is the lead's, a member
    "coalitions:tamtam": MEMBERS,
    "coalitions:small_things": MEMBERS,
    "coalitions:reflections": MEMBERS,
    "coalitions:reflection_edit": {"resident"},  # the author only, not even a superuser
    "coalitions:reflection_withdraw": {"resident"},
    "pitstops:session_create": RUNS,
    "pitstops:session_control": RUNS,
    "pitstops:card_action": RUNS,
    "pitstops:join_request_decide": RUNS,
    "pitstops:group_add": RUNS,
    "pitstops:scribe": RUNS,
    "pitstops:story_choose": RUNS,
    "pitstops:agreement_add": RUNS,
    "pitstops:agreement_review": RUNS,
    "pitstops:red_thread_create": RUNS,
    "pitstops:red_thread_edit": RUNS,
    "pitstops:red_thread_delete": RUNS,
    "pitstops:red_thread_move": RUNS,
    "pitstops:evidence": RUNS,
    "pitstops:introduction": RUNS,
    "pitstops:publish": RUNS,
    "pitstops:suggestions_start": RUNS,
    "pitstops:suggestion_accept": RUNS,
    "pitstops:suggestion_dismiss": RUNS,
    "pitstops:own_concept_add": RUNS,
    "pitstops:own_concept_delete": RUNS,
}
# Decided by a code, a signed link or a cookie: the same for every role.
PUBLIC = {
    "login",
    "set_language",
    "pitstops:join",
    "pitstops:join_as",
    "pitstops:join_request",
    "pitstops:card_post",
    "pitstops:leave",
    "pitstops:card_change",
    "pitstops:mark",
    "pitstops:propose_agreement",
    "pitstops:compass",
    "coalitions:reminder_link",
    "coalitions:reminder_answer",
}
# Read only: a POST is refused as a method (405) or by the rules (404), never acted on.
READ_ONLY = {name for name, _, _ in CASES} - set(ALLOWED) - PUBLIC


def kwargs_of(name: str, world):
    return next(kwargs for case, kwargs, _ in CASES if case == name)(world)


def post(role: str, world, name: str):
    client = Client()
    if role != "anonymous":
        client.force_login(world.user(role))
    url = reverse(name, kwargs=kwargs_of(name, world))
    return url, client.post(url, {})


def test_every_url_is_in_one_list():
    names = {name for name, _, _ in CASES}
    assert set(ALLOWED) | PUBLIC | READ_ONLY == names
    assert not set(ALLOWED) & PUBLIC


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_only_the_allowed_roles_get_past_the_rules(world, role, name):
    url, response = post(role, world, name)
    if role == "anonymous":
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    elif role in ALLOWED[name]:
        assert response.status_code not in (404, 405) and response.status_code < 500, (role, url)
    else:
        assert response.status_code == 404, (role, url, response.status_code)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_urls_answer_every_role_alike(world, name):
    answers = set()
    for role in ROLES:
        if role == "anonymous" or name not in ("login",):
            _url, response = post(role, world, name)
            answers.add(response.status_code)
    assert len(answers) == 1 and max(answers) < 500, (name, answers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(READ_ONLY))
def test_read_only_urls_take_no_post(world, role, name):
    url, response = post(role, world, name)
    assert response.status_code in (302, 404, 405), (role, url, response.status_code)
