"""Installable and offline-first, through real HTTP: the manifest, the service worker, the offline
page, which pages offer the worker a copy and for whom, forgetting at log-out, and reflections
written offline stored once (expeditie/offline.py)."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from PIL import Image

from expeditie import offline
from pitstops.models import Reflection
from tests.pitstops.live_helpers import join, post_card

HEADER = offline.OFFLINE_HEADER
BANNER = "data-offline-banner hidden"


def static_file(url: str) -> Path:
    return Path(settings.BASE_DIR, "static", url.removeprefix(settings.STATIC_URL).lstrip("/"))


def meta(response, name: str) -> str | None:
    found = re.search(rf'<meta name="{name}" content="([^"]*)">', response.text)
    return found.group(1) if found else None


# --- the manifest ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_manifest_makes_pitstop_installable(client):
    response = client.get(reverse("manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["name"] == "Pitstop" and data["short_name"] == "Pitstop"
    assert data["start_url"] == "/" and data["scope"] == "/" and data["id"] == "/"
    assert data["display"] == "standalone"
    assert data["lang"] == "nl"
    assert "zonder verbinding" in data["description"]  # Dutch first
    sizes = {(icon["sizes"], icon.get("purpose")) for icon in data["icons"]}
    for size in (192, 512):
        assert (f"{size}x{size}", "any") in sizes
        assert (f"{size}x{size}", "maskable") in sizes


@pytest.mark.django_db
def test_the_manifest_icons_are_pngs_of_their_size_and_reachable(client):
    for icon in client.get(reverse("manifest")).json()["icons"]:
        if icon["type"] != "image/png":
            continue
        assert client.get(icon["src"]).status_code == 200, icon["src"]
        image = Image.open(io.BytesIO(static_file(icon["src"]).read_bytes()))
        width, height = (int(part) for part in icon["sizes"].split("x"))
        assert image.format == "PNG" and image.size == (width, height), icon


@pytest.mark.django_db
def test_the_manifest_follows_the_chosen_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = client.get(reverse("manifest")).json()
    assert data["lang"] == "en"
    assert "without a connection" in data["description"]


@pytest.mark.django_db
def test_the_colours_are_those_of_the_stylesheet_and_the_page(client):
    css = Path(settings.BASE_DIR, "static", "css", "pitstop.css").read_text()
    assert f"--pitstop-green: {offline.THEME_COLOUR};" in css
    data = client.get(reverse("manifest")).json()
    assert data["theme_color"] == offline.THEME_COLOUR
    page = client.get(reverse("login"))
    assert meta(page, "theme-color") == offline.THEME_COLOUR
    assert f'href="{reverse("manifest")}"' in page.text


# --- the service worker ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get(reverse("service_worker"))
    assert response.status_code == 200
    assert reverse("service_worker") == "/sw.js"
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "{{" not in response.text and "{%" not in response.text


def worker_config(response) -> dict:
    found = re.search(r"^const CONFIG = (.*);$", response.text, re.MULTILINE)
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_the_service_worker_keeps_the_apps_own_static_files(client):
    config = worker_config(client.get(reverse("service_worker")))
    assert config["version"] == offline.release()
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["offlineUrl"] == reverse("offline")
    for name in (
        "css/pitstop.css",
        "js/offline.js",
        "js/queue.js",
        "js/session.js",
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/htmx/htmx.min.js",
        "icons/pitstop-192.png",
    ):
        assert f"/static/{name}" in config["precache"], name
    assert not [url for url in config["precache"] if "axe" in url]  # only the tests load it
    for url in config["precache"]:
        assert client.get(url).status_code == 200, url


def test_the_release_is_a_fingerprint_of_what_the_phone_shows(monkeypatch, tmp_path):
    """Another file, another version: a new release installs a new worker and new caches."""
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.js").write_text("one")
    monkeypatch.setattr(settings, "BASE_DIR", tmp_path)
    offline._fingerprint.cache_clear()
    try:
        first = offline.release()
        (tmp_path / "static" / "app.js").write_text("two")
        offline._fingerprint.cache_clear()
        assert offline.release() != first
    finally:
        offline._fingerprint.cache_clear()


def test_the_service_worker_is_the_same_for_everyone(client_for, world):
    """No name, no pseudonym, no language in it: nothing of one person reaches another."""
    anonymous = Client().get(reverse("service_worker")).content
    resident = client_for("resident").get(reverse("service_worker")).content
    assert anonymous == resident
    assert not re.search(rb"[apu]-[0-9a-f]{24}", resident)


# --- the offline page -----------------------------------------------------------------------


def test_the_offline_page_is_friendly_in_both_languages_and_shows_nobody(client_for, world):
    client = client_for("resident")
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    text = response.text
    assert "Geen verbinding" in text and "No connection" in text  # Dutch first, then English
    assert text.index("Geen verbinding") < text.index("No connection")
    assert world.user("resident").get_full_name() not in text
    assert reverse("logout") not in text  # no log-out form: the page is kept for everyone
    assert meta(response, "pitstop-account") is None
    assert BANNER not in text


def test_the_offline_page_leaves_messages_for_the_page_they_are_for(client_for, world):
    client = client_for("resident")
    client.post(reverse("coalitions:logout_everywhere"))  # leaves a message for the log-in page
    client.get(reverse("offline"))
    assert "op elk apparaat uitgelogd" in client.get(reverse("login")).text


# --- which pages offer a copy, and for whom ------------------------------------------------


def test_the_session_page_offers_a_copy_for_this_participant_only(world):
    world.session.open()
    phone, other = Client(), Client()
    join(phone, world.session, guest="Kees")
    join(other, world.session, guest="Mo")
    url = reverse("pitstops:participate", args=[world.session.pk])
    mine, theirs = phone.get(url), other.get(url)
    assert re.fullmatch(r"p-[0-9a-f]{24}", mine[HEADER])
    assert mine[HEADER] != theirs[HEADER]
    assert meta(mine, "pitstop-offline") == mine[HEADER]
    assert mine.text.count(BANNER) == 1  # the banner a copy shows offline, hidden here
    assert "private" in mine["Cache-Control"]
    # The pseudonym is not the cookie, nor the participant's key in it.
    cookie = next(value for name, value in phone.cookies.items() if "deelnemer" in name)
    assert mine[HEADER][2:] not in cookie.value
    # The 2-second poll is a fragment, not a page: no copy.
    poll = phone.get(url, headers={"HX-Request": "true"})
    assert HEADER not in poll


def test_a_phone_that_did_not_join_gets_no_copy(world):
    world.session.open()
    response = Client().get(reverse("pitstops:participate", args=[world.session.pk]))
    assert response.status_code == 302
    assert HEADER not in response


def coalition_url(world, name: str = "coalitions:coalition") -> str:
    return reverse(name, kwargs={"expedition": world.expedition.slug, "slug": world.coalition.slug})


@pytest.mark.parametrize(
    ("role", "offered"),
    [("resident", True), ("professional", True), ("facilitator", False), ("superuser", False)],
)
def test_the_coalition_home_offers_a_copy_to_members_only(client_for, world, role, offered):
    response = client_for(role).get(coalition_url(world))
    assert response.status_code == 200
    assert (HEADER in response) is offered
    if offered:
        assert response[HEADER] == meta(response, "pitstop-account")
        assert re.fullmatch(r"a-[0-9a-f]{24}", response[HEADER])


def test_my_reflections_and_the_start_page_offer_a_copy(client_for, world):
    client = client_for("resident")
    reflections = client.get(coalition_url(world, "coalitions:reflections"))
    home = client.get(reverse("home"))
    assert reflections[HEADER] == home[HEADER] == meta(home, "pitstop-account")


@pytest.mark.parametrize(
    "page",
    [
        lambda w: reverse("pitstops:workspace", args=[w.expedition.slug, w.pitstop.number]),
        lambda w: reverse("pitstops:overview", args=[w.expedition.slug]),
        lambda w: reverse("pitstops:overview_csv", args=[w.expedition.slug]),
        lambda w: reverse("pitstops:report_docx", args=[w.expedition.slug, w.pitstop.number]),
        lambda w: reverse("coalitions:my_data") + "?format=json",
        lambda w: reverse("coalitions:account"),
        lambda w: reverse("admin:index"),
    ],
)
def test_workspace_exports_account_and_admin_never_offer_a_copy(client_for, world, page):
    response = client_for("superuser").get(page(world))
    assert response.status_code in (200, 302)
    assert HEADER not in response


def test_a_post_never_offers_a_copy(client_for, world):
    response = client_for("resident").post(coalition_url(world, "coalitions:reflections"), {})
    assert response.status_code == 200  # the form again, with its errors
    assert HEADER not in response


def test_each_log_in_has_its_own_pseudonym_never_the_session_key(world):
    client = Client()
    client.force_login(world.user("resident"))
    first = client.get(reverse("home"))[HEADER]
    assert client.get(reverse("home"))[HEADER] == first  # the same within a session
    assert client.session.session_key not in first
    client.logout()
    client.force_login(world.user("resident"))
    assert client.get(reverse("home"))[HEADER] != first
    other = Client()
    other.force_login(world.user("professional"))
    assert other.get(reverse("home"))[HEADER] != first


def test_a_visitor_who_is_not_signed_in_is_nobody(client):
    response = client.get(reverse("login"))
    assert meta(response, "pitstop-account") == ""


# --- forgetting -----------------------------------------------------------------------------


def test_log_out_clears_the_browsers_cache_of_the_site(client_for, world):
    response = client_for("resident").post(reverse("logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'


def test_log_out_everywhere_clears_the_cache_too(client_for, world):
    response = client_for("resident").post(reverse("coalitions:logout_everywhere"))
    assert response["Clear-Site-Data"] == '"cache"'


def test_erasing_oneself_clears_the_cache_but_a_form_shown_again_does_not(client_for, world):
    client = client_for("resident")
    assert "Clear-Site-Data" not in client.post(reverse("coalitions:erase"), {})
    response = client.post(reverse("coalitions:erase"), {"words": "keep", "confirm": "on"})
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'


def test_the_forms_that_forget_tell_the_page_what_to_forget(client_for, world):
    client = client_for("resident")
    page = client.get(reverse("coalitions:account")).text
    assert page.count('data-offline-forget="account"') == 2  # log out, and log out everywhere
    world.session.open()
    phone = Client()
    join(phone, world.session, guest="Kees")
    session_page = phone.get(reverse("pitstops:participate", args=[world.session.pk]))
    assert f'data-offline-forget="{session_page[HEADER]}"' in session_page.text


def test_a_phone_that_leaves_the_session_is_out_and_forgets(world):
    world.session.open()
    phone = Client()
    join(phone, world.session, guest="Kees")
    post_card(phone, world.session, "Blijft staan")
    response = phone.post(reverse("pitstops:leave", args=[world.session.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("pitstops:join")
    assert response["Clear-Site-Data"] == '"cache"'
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Deze telefoon doet niet meer mee aan de sessie. Je kaartjes blijven staan."
    ]
    after = phone.get(reverse("pitstops:participate", args=[world.session.pk]))
    assert after.status_code == 302  # back to the join page: the cookie is gone
    assert Reflection.objects.filter(text="Blijft staan").count() == 1


def test_leaving_takes_a_post(world):
    assert Client().get(reverse("pitstops:leave", args=[world.session.pk])).status_code == 405


# --- reflections written offline, sent once --------------------------------------------------


def reflection_data(world, text: str, client_id: uuid.UUID | None = None, **fields) -> dict:
    data = {
        "theme": world.expedition.themes.first().pk,
        "kind": "observation",
        "text": text,
        "visibility": "coalition",
        **fields,
    }
    if client_id:
        data["client_id"] = str(client_id)
    return data


JSON = {"Accept": "application/json"}


def test_a_reflection_sent_twice_is_stored_once(client_for, world):
    client = client_for("resident")
    url = coalition_url(world, "coalitions:reflections")
    sent = uuid.uuid4()
    first = client.post(url, reflection_data(world, "In de bus geschreven", sent), headers=JSON)
    again = client.post(url, reflection_data(world, "In de bus geschreven", sent), headers=JSON)
    assert first.json()["ok"] and first.json()["created"]
    assert again.json()["ok"] and not again.json()["created"]
    assert Reflection.objects.filter(text="In de bus geschreven").count() == 1
    assert "In de bus geschreven" in first.json()["html"]
    assert first.json()["html"] == again.json()["html"]
    assert first.json()["message"] == "Dank je wel. Je reflectie is opgeslagen."


def test_an_anonymous_reflection_sent_twice_is_stored_once_and_shown_to_its_writer(
    client_for, world
):
    client = client_for("resident")
    url = coalition_url(world, "coalitions:reflections")
    sent = uuid.uuid4()
    data = reflection_data(world, "Zonder naam", sent, is_anonymous="on")
    first = client.post(url, data, headers=JSON).json()
    again = client.post(url, data, headers=JSON).json()
    stored = Reflection.objects.get(text="Zonder naam")
    assert stored.author is None and stored.client_id == sent
    assert "Zonder naam" in first["html"] and "Zonder naam" in again["html"]


def test_someone_elses_client_id_never_shows_their_words(client_for, world):
    url = coalition_url(world, "coalitions:reflections")
    sent = uuid.uuid4()
    resident = Client()
    resident.force_login(world.user("resident"))
    resident.post(url, reflection_data(world, "Van Ans", sent), headers=JSON)
    professional = Client()
    professional.force_login(world.user("professional"))
    answer = professional.post(url, reflection_data(world, "Van Youssef", sent), headers=JSON)
    assert answer.json()["ok"] and answer.json()["html"] == ""
    assert "Van Ans" not in answer.text


def test_a_refused_reflection_comes_back_with_the_reason(client_for, world):
    url = coalition_url(world, "coalitions:reflections")
    response = client_for("resident").post(
        url, reflection_data(world, "   ", uuid.uuid4()), headers=JSON
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert "Jouw woorden" in response.json()["error"]


def test_without_javascript_the_form_still_works_and_is_sent_once(client_for, world):
    client = client_for("resident")
    url = coalition_url(world, "coalitions:reflections")
    page = client.get(url).text
    client_id = re.search(r'name="client_id" value="([^"]+)"', page).group(1)
    for _ in range(2):  # a double tap
        response = client.post(url, reflection_data(world, "Dubbel getikt", uuid.UUID(client_id)))
        assert response.status_code == 302
    assert Reflection.objects.filter(text="Dubbel getikt").count() == 1


def test_the_reflection_form_waits_in_a_queue_of_this_person(client_for, world):
    resident = client_for("resident").get(coalition_url(world, "coalitions:reflections")).text
    key = re.search(r'data-queue-key="(pitstop-reflections-u-[0-9a-f]{24}-\d+)"', resident)
    assert key, "the form has its queue"
    other = Client()
    other.force_login(world.user("professional"))
    theirs = other.get(coalition_url(world, "coalitions:reflections")).text
    assert key.group(1) not in theirs
