"""Reading aids (issue 21), as the server renders them: the kinds of card explained, the line
about dictation, the themes' pictures, the "Read aloud" buttons and the reading tools, in
Dutch and in English. The browser side is tested in tests/browser/test_read_aloud.py and
test_easy_read.py.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coalitions.models import Theme
from coalitions.templatetags.themes import THEMES_WITH_AN_ICON, theme_icon
from pitstops.forms import KIND_HELP
from pitstops.models import Reflection, Session

from .pitstops.live_helpers import join

KINDS_NL = {
    "observation": "Iets wat je zag of hoorde.",
    "undercurrent": "Iets wat speelt, maar wat niemand hardop zegt.",
    "success": "Iets wat goed ging, groot of klein.",
    "small_failure": "Iets wat niet lukte, en waar we van leren.",
    "question": "Iets wat je wilt vragen of wilt weten.",
}
DICTATION = {
    "nl": "Liever praten dan typen? Gebruik de microfoon van je toetsenbord.",
    "en": "Rather talk than type? Use the microphone on your keyboard.",
}


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def phone(world) -> Client:
    """A guest on a phone, in the reflect phase of an open session."""
    session = world.session
    session.open()
    session.go_to_phase(Session.Phase.REFLECT)
    phone = Client()
    join(phone, session, guest="Kees")
    return phone


def participate(phone: Client, world) -> str:
    response = phone.get(reverse("pitstops:participate", args=[world.session.pk]))
    assert response.status_code == 200
    return response.text


def test_every_kind_of_card_has_one_plain_sentence_tied_to_its_choice(phone, world):
    page = participate(phone, world)
    assert set(KIND_HELP) == set(Reflection.Kind)
    for position, (kind, sentence) in enumerate(KINDS_NL.items()):
        choice = re.search(rf'<input type="radio" name="kind" value="{kind}"[^>]*>', page).group(0)
        assert f'aria-describedby="id_kind_{position}_help"' in choice
        assert f'<p class="form-text kind-help" id="id_kind_{position}_help">{sentence}</p>' in page


def test_the_kinds_are_explained_in_english_too(phone, world):
    page = participate(english(phone), world)
    for sentence in KIND_HELP.values():
        assert str(sentence) in page
    assert "Iets wat je zag of hoorde." not in page


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_card_form_says_dictation_works_from_the_keyboard(phone, world, language):
    phone.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = participate(phone, world)
    assert DICTATION[language] in page
    # Tied to the text field, so a screen reader says it there.
    assert re.search(r'<textarea name="text"[^>]*aria-describedby="id_text_helptext"', page)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_reflection_form_says_so_too(client_for, world, language):
    client = client_for("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(
        reverse("coalitions:reflections", args=[world.expedition.slug, world.coalition.slug])
    ).text
    assert DICTATION[language] in page


def icons_in(page: str) -> list[str]:
    return re.findall(r'src="/static/icons/themes/([a-z-]+)\.svg"', page)


def test_the_theme_choice_and_the_current_theme_show_their_pictures(phone, world):
    page = participate(phone, world)
    choice = re.search(r'<span class="theme-choice-icon.*?</span>', page, re.S)
    assert choice, "the theme choice's pictures"
    keys = [theme.key for theme in world.session.themes.all()]
    assert icons_in(choice.group(0)) == keys
    # Only the chosen theme's picture shows; the others wait, hidden, for another choice.
    current = world.session.current_theme
    assert re.search(
        rf'<img src="/static/icons/themes/{current.key}\.svg"[^>]*data-theme-value="{current.pk}">',
        page,
    )
    assert choice.group(0).count(" hidden>") == len(keys) - 1
    # In the heading beside the theme's name, decorative.
    heading = re.search(r'<h1 class="phase-title.*?</h1>', page, re.S).group(0)
    assert f"icons/themes/{current.key}.svg" in heading and 'alt="" aria-hidden="true"' in heading


def test_the_board_shows_each_themes_picture(client_for, world):
    session = world.session
    session.open()
    session.go_to_phase(Session.Phase.REFLECT)
    client = client_for("facilitator")
    page = client.get(reverse("pitstops:session_board", args=[session.pk])).text
    assert set(icons_in(page)) == THEMES_WITH_AN_ICON


def test_the_coalition_home_and_my_reflections_show_the_theme_picture(client_for, world):
    theme = world.expedition.themes.get(key="teamgeest")
    Reflection.objects.create(
        coalition=world.coalition,
        author=world.resident,
        author_role=world.resident.role,
        theme=theme,
        visibility=Reflection.Visibility.COALITION,
        text="We bellen elkaar nu vaker even op.",
    )
    client = client_for("resident")
    args = [world.expedition.slug, world.coalition.slug]
    for page in (
        client.get(reverse("coalitions:coalition", args=args)).text,
        client.get(reverse("coalitions:reflections", args=args)).text,
    ):
        assert "teamgeest" in icons_in(page)
        assert re.search(
            r'<[a-z]+ [^>]*data-read>\s*<[a-z]+ class="[^"]*" data-fold>We bellen', page
        )


def test_the_expedition_shows_every_theme_with_its_picture_and_read_aloud(client_for, world):
    page = client_for("coordinator").get(
        reverse("coalitions:expedition", args=[world.expedition.slug])
    )
    assert sorted(icons_in(page.text)) == sorted(THEMES_WITH_AN_ICON)
    assert page.text.count("data-read-button") >= 5


def test_the_report_and_the_overview_show_the_theme_pictures(client_for, world):
    thread = world.pitstop.red_threads.get()
    thread.themes.add(world.expedition.themes.get(key="samenkracht"))
    report = client_for("resident").get(world.pitstop.get_absolute_url()).text
    # Inline, so the PDF made from the same template needs no files.
    themes_line = re.search(r"Thema's: .*?</p>", report, re.S).group(0)
    assert '<svg aria-hidden="true" focusable="false" class="theme-icon"' in themes_line
    assert re.search(r'<article class="report-thread[^"]*"[^>]*data-read>', report)

    overview = Client()
    overview.force_login(world.user("coordinator"))
    page = overview.get(reverse("pitstops:overview", args=[world.expedition.slug])).text
    assert "samenkracht" in icons_in(page)


def test_a_theme_an_expedition_added_gets_the_flag(world):
    own = Theme.objects.create(expedition=world.expedition, key="eigen-thema", name_nl="Eigen")
    assert "icons/themes/theme.svg" in theme_icon(own)
    assert theme_icon(None) == ""
    inline = theme_icon("klein", inline=True)
    assert inline.startswith('<svg aria-hidden="true" focusable="false" class="theme-icon"')
    assert "<!--" not in inline


@pytest.mark.parametrize(
    ("language", "read", "whole", "no_voice"),
    [
        (
            "nl",
            "Lees voor",
            "Lees de hele pagina voor",
            "Deze telefoon heeft geen Nederlandse stem.",
        ),
        ("en", "Read aloud", "Read the whole page aloud", "This phone has no English voice."),
    ],
)
def test_the_reading_tools_speak_the_pages_language(phone, world, language, read, whole, no_voice):
    phone.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = participate(phone, world)
    assert f'<html lang="{language}">' in page
    assert whole in page and f'data-msg-no-voice="{no_voice}"' in page
    # A button beside the theme's text and each question, in a part that says what to read.
    questions = re.search(r'<ul class="guiding-questions">.*?</ul>', page, re.S).group(0)
    assert questions.count('<li class="mb-2" data-read>') == questions.count(read) == 3
    assert re.search(r'<p class="theme-text" data-read>', page)


def test_the_live_fragment_carries_one_plain_button_per_card(phone, world):
    """Shared by every phone: no state of one person, the same bytes for all."""
    world.card.revealed_at = world.card.created_at
    world.card.save()
    world.session.touch()
    other = Client()
    join(other, world.session, guest="Ans")
    url = reverse("pitstops:participate", args=[world.session.pk])
    fragments = [client.get(url, headers={"HX-Request": "true"}).text for client in (phone, other)]
    assert fragments[0] == fragments[1]
    card = re.search(r'<article class="live-card.*?</article>', fragments[0], re.S).group(0)
    assert " data-read>" in card
    assert card.count("data-read-button") == 1 and 'aria-pressed="false"' in card
