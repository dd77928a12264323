"""Keep the translation catalogues whole: `python -m expeditie.catalogues` (run by `make messages`).

Source strings are English, so the English catalogue repeats each msgid; this fills it. Dutch is
written by people in locale/nl/, by hand or as a JSON file of {msgid: Dutch} (a list of
singular and plural for plural messages):
`python -m expeditie.catalogues --dutch FILE.json` puts those in and lists what is still missing.
Both catalogues are then compiled with polib, so running the app needs no gettext tools.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def fill_english(catalogue: polib.POFile) -> int:
    """Copy each msgid into its English msgstr; returns how many entries changed."""
    changed = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            wanted = {0: entry.msgid, 1: entry.msgid_plural}
            if entry.msgstr_plural != wanted:
                entry.msgstr_plural = wanted
                changed += 1
        elif entry.msgstr != entry.msgid:
            entry.msgstr = entry.msgid
            changed += 1
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            changed += 1
    return changed


def add_dutch(path: str) -> list[str]:
    """Put the translations of a JSON file into the Dutch catalogue; returns what is missing."""
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    dutch_path = LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po"
    dutch = polib.pofile(str(dutch_path), wrapwidth=100)
    for entry in dutch:
        if entry.msgid in translations:
            translation = translations[entry.msgid]
            if entry.msgid_plural:  # a list: singular, plural
                entry.msgstr_plural = dict(enumerate(translation))
            else:
                entry.msgstr = translation
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
    dutch.save()
    return [
        entry.msgid
        for entry in dutch
        if not entry.obsolete
        and (
            entry.fuzzy
            or (entry.msgid_plural and not all(entry.msgstr_plural.values()))
            or (not entry.msgid_plural and not entry.msgstr)
        )
    ]


def main() -> None:
    if sys.argv[1:2] == ["--dutch"]:
        print("\n".join(add_dutch(sys.argv[2])) or "Every Dutch entry is translated.")
    english = polib.pofile(str(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"), wrapwidth=100)
    if fill_english(english):
        english.save()
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.with_suffix('.mo').relative_to(LOCALE_DIR.parent)}")


if __name__ == "__main__":
    main()
