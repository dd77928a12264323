"""Dutch first, English complete: the catalogues have no gaps and the compiled files are current."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from expeditie.catalogues import fill_english

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))


def test_both_languages_have_a_catalogue():
    assert {path.parts[-3] for path in CATALOGUES} == {"nl", "en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert catalogue.percent_translated() == 100


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_compiled_catalogue_matches_its_source(path):
    """A changed .po without `make messages` would show stale text; this catches it."""
    source = {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.pofile(str(path)).translated_entries()
    }
    compiled = {
        entry.msgid: entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.mofile(str(path.with_suffix(".mo")))
        if entry.msgid
    }
    assert compiled == source


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{(\w+)\}")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_placeholders_survive_translation(path):
    """Every placeholder of every message, in every form: a lost one shows the wrong text."""
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            wanted = placeholders(entry.msgid_plural)
            for form in entry.msgstr_plural.values():
                assert placeholders(form) == wanted or placeholders(form) == placeholders(
                    entry.msgid
                ), entry.msgid
        else:
            assert placeholders(entry.msgstr) == placeholders(entry.msgid), entry.msgid


def test_the_placeholder_check_can_fail():
    assert placeholders("%(name)s joined %(count)d times") != placeholders("%(name)s joined")


def test_fill_english_copies_msgids_and_clears_fuzzy():
    catalogue = polib.POFile()
    catalogue.append(polib.POEntry(msgid="Log in", msgstr="", flags=["fuzzy"]))
    catalogue.append(
        polib.POEntry(msgid="%(n)s card", msgid_plural="%(n)s cards", msgstr_plural={0: "", 1: ""})
    )
    assert fill_english(catalogue) == 3
    assert catalogue[0].msgstr == "Log in" and not catalogue[0].fuzzy
    assert catalogue[1].msgstr_plural == {0: "%(n)s card", 1: "%(n)s cards"}
    assert fill_english(catalogue) == 0


def test_dutch_is_the_default_and_english_is_chosen_by_cookie(client_for):
    client = client_for("resident")
    assert "Uitloggen" in client.get(reverse("home")).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Log out" in client.get(reverse("home")).text
