"""Logging in and out, and coming back to the page you wanted."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse


def test_visitor_is_sent_to_log_in_and_comes_back_after(client, world):
    page = world.coalition.get_absolute_url()
    response = client.get(page)
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == f"{reverse('login')}?next={page}"

    form = client.get(login_url)
    assert form.status_code == 200
    assert f'name="next" value="{page}"' in form.text

    response = client.post(
        reverse("login"), {"username": "resident", "password": "secret-password", "next": page}
    )
    assert response.status_code == 302
    assert response["Location"] == page
    assert client.get(page).status_code == 200


def test_log_in_gives_a_new_session(client, world):
    """A session that existed before the log-in (set by someone else, say) is not the one that
    is signed in afterwards (ASVS 7.2.4)."""
    from django.contrib.sessions.models import Session

    before = client.session
    before["planted"] = True
    before.save()
    client.cookies["sessionid"] = before.session_key
    client.post(reverse("login"), {"username": "resident", "password": "secret-password"})
    after = client.cookies["sessionid"].value
    assert after and after != before.session_key
    # The planted key is worth nothing now: its row is gone.
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_wrong_password_gets_a_clear_message_in_dutch(client, world):
    response = client.post(reverse("login"), {"username": "resident", "password": "wrong"})
    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in" in response.text


def test_wrong_password_in_english(client, world):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "resident", "password": "wrong"})
    assert "Please enter a correct username and password" in response.text


def test_an_offsite_next_is_ignored(client, world):
    response = client.post(
        reverse("login"),
        {"username": "resident", "password": "secret-password", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_log_out_only_by_post(client, world):
    client.force_login(world.user("resident"))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_language_switch_to_english_and_back(client, world):
    client.force_login(world.user("resident"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").text
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert "Uitloggen" in client.get("/").text


# Log-in hardening --------------------------------------------------------------------------------


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_failed_log_ins_lock_the_account_for_a_while(world, settings):
    """Five wrong passwords from five addresses: the account waits, even with the right one."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR=f"192.0.2.{number + 1}"), "resident", "wrong")
    response = log_in(Client(REMOTE_ADDR="192.0.2.99"), "resident", "secret-password")
    assert response.status_code == 429
    assert "Wacht 15 minuten" in response.text
    # Another account is not locked.
    assert (
        log_in(Client(REMOTE_ADDR="192.0.2.99"), "professional", "secret-password").status_code
        == 302
    )


def test_failed_log_ins_lock_the_address_for_a_while(world, settings):
    """Guessing many accounts from one address: that address waits; other addresses do not."""
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(REMOTE_ADDR="198.51.100.7"), f"bestaat-niet-{number}", "wrong")
    assert (
        log_in(Client(REMOTE_ADDR="198.51.100.7"), "resident", "secret-password").status_code == 429
    )
    assert (
        log_in(Client(REMOTE_ADDR="198.51.100.8"), "resident", "secret-password").status_code == 302
    )


def test_a_good_log_in_resets_the_count(world, settings):
    phone = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(phone, "resident", "wrong")
    assert log_in(phone, "resident", "secret-password").status_code == 302
    phone.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(phone, "resident", "wrong")
    assert log_in(phone, "resident", "secret-password").status_code == 302


def test_refusals_are_logged_without_the_password(world, caplog, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        log_in(Client(), "resident", "Geheim-Wachtwoord-123")
    assert "failed log-in for user name 'resident'" in caplog.text
    assert "log-in refused, too many failures" in caplog.text
    assert "Geheim-Wachtwoord-123" not in caplog.text


def test_log_out_everywhere_ends_every_session_of_the_account(world):
    laptop, phone, colleague = Client(), Client(), Client()
    for client in (laptop, phone):
        assert log_in(client, "resident", "secret-password").status_code == 302
    assert log_in(colleague, "professional", "secret-password").status_code == 302
    home = reverse("home")
    assert phone.get(home).status_code == 200
    response = laptop.post(reverse("coalitions:logout_everywhere"))
    assert response["Location"] == reverse("login")
    assert phone.get(home).status_code == 302
    assert laptop.get(home).status_code == 302
    assert colleague.get(home).status_code == 200  # another account is left alone


def test_a_signed_in_session_ends_after_14_days(world, client):
    log_in(client, "resident", "secret-password")
    assert client.cookies["sessionid"]["max-age"] == 14 * 24 * 60 * 60


@pytest.mark.parametrize("password", ["12345678", "password123", "resident1", "kort"])
def test_weak_passwords_are_refused(world, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=world.user("resident"))


def test_change_your_password_with_the_current_one(world):
    laptop, phone = Client(), Client()
    log_in(laptop, "resident", "secret-password")
    log_in(phone, "resident", "secret-password")
    url = reverse("password_change")
    wrong = laptop.post(
        url,
        {
            "old_password": "fout",
            "new_password1": "Fietsbel-Zomer-42",
            "new_password2": "Fietsbel-Zomer-42",
        },
    )
    assert wrong.status_code == 200 and "oude wachtwoord is niet juist" in wrong.text
    weak = laptop.post(
        url,
        {
            "old_password": "secret-password",
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert weak.status_code == 200
    response = laptop.post(
        url,
        {
            "old_password": "secret-password",
            "new_password1": "Fietsbel-Zomer-42",
            "new_password2": "Fietsbel-Zomer-42",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    assert laptop.get(reverse("home")).status_code == 200  # still logged in here
    assert phone.get(reverse("home")).status_code == 302  # logged out elsewhere
    assert log_in(Client(), "resident", "Fietsbel-Zomer-42").status_code == 302


# The number README.md documents (LOGIN_ATTEMPTS, default 5): written out here, not read from
# the settings, so a changed default fails the tests below instead of moving them along.
DOCUMENTED_FAILURE_LIMIT = 5


def test_the_failure_limit_is_the_documented_number(settings):
    import re
    from pathlib import Path

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    documented = re.search(r"^\| `LOGIN_ATTEMPTS`\s*\| `(\d+)`", readme, re.MULTILINE)
    assert documented is not None, "README.md no longer documents LOGIN_ATTEMPTS"
    assert int(documented.group(1)) == DOCUMENTED_FAILURE_LIMIT
    assert settings.AXES_FAILURE_LIMIT == DOCUMENTED_FAILURE_LIMIT


def test_the_fifth_failed_log_in_locks_and_the_fourth_does_not(world):
    phone = Client(REMOTE_ADDR="203.0.113.77")
    for number in range(1, DOCUMENTED_FAILURE_LIMIT):
        response = log_in(phone, "resident", "wrong")
        assert response.status_code == 200, number  # told the password is wrong, not locked
    response = log_in(phone, "resident", "wrong")  # the fifth failure
    assert response.status_code == 429
    assert log_in(phone, "resident", "secret-password").status_code == 429
    # Four failures alone leave the right password working.
    other = Client(REMOTE_ADDR="203.0.113.78")
    for _ in range(DOCUMENTED_FAILURE_LIMIT - 1):
        log_in(other, "professional", "wrong")
    assert log_in(other, "professional", "secret-password").status_code == 302
