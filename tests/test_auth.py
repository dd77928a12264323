"""Logging in and out, and coming back to the page you wanted."""

from __future__ import annotations

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
