"""How easy a Dutch text is to read: the Flesch-Douma score.

Douma's adaptation of Flesch's reading ease to Dutch (1960):
206.84 - 0.77 * syllables per 100 words - 0.93 * words per sentence. Above 70 reads easily
(everyday Dutch, B1), 50 to 70 is fairly hard, below 30 is for specialists. The short report aims
for 70 or more, and the introduction form tells the facilitator its score.

Syllables are counted as groups of vowels, with the Dutch diphthongs and double vowels (ij, ui,
oe, ee, ...) as one: close enough for a score, not a hyphenation dictionary.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

EASY = 70.0
# One syllable's vowel sound: a diphthong or double vowel first, else one vowel letter.
_SYLLABLE = re.compile(r"aai|ooi|oei|eeu|ieu|ij|ui|oe|ou|au|ei|eu|ie|aa|ee|oo|uu|[aeiouy]")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# A sentence ends at . ! ? or : followed by a space or the end; a line break also ends one
# (list items and headings are sentences of their own).
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)|\n+")


def _plain_letters(word: str) -> str:
    # "geïnteresseerd" and "café": accents mark syllables apart, so strip them after counting
    # the diaeresis as a break ("ë", "ï" start a new syllable).
    marked = word.lower()
    for marked_vowel, vowel in (("ë", "e"), ("ï", "i"), ("ü", "u"), ("ö", "o")):
        marked = marked.replace(marked_vowel, f"|{vowel}")
    decomposed = unicodedata.normalize("NFKD", marked)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def syllables(word: str) -> int:
    """The number of syllables of a Dutch word (at least one)."""
    letters = _plain_letters(word)
    return max(1, sum(len(_SYLLABLE.findall(part)) for part in letters.split("|")))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if words(part)]


def flesch_douma(text: str) -> float | None:
    """The Flesch-Douma reading ease of a text, or None when it has no words."""
    found = words(text)
    if not found:
        return None
    per_sentence = len(found) / max(1, len(sentences(text)))
    per_hundred = 100 * sum(syllables(word) for word in found) / len(found)
    return 206.84 - 0.77 * per_hundred - 0.93 * per_sentence


def readability_message(score: float) -> str:
    """What the facilitator hears about the short introduction's score, with a tip if low."""
    shown = round(score)
    if score >= EASY:
        return _("The short introduction reads easily (score %(score)d; 70 or more is easy).") % {
            "score": shown
        }
    return _(
        "The short introduction is still hard to read (score %(score)d; 70 or more is easy). "
        "Try shorter sentences and shorter words."
    ) % {"score": shown}


def as_sentence(text: str) -> str:
    """A line people typed without a full stop, ended as a sentence, so the words after it in
    plain text (and read aloud) start a new sentence."""
    text = (text or "").rstrip()
    return text if not text or text[-1] in ".!?…:;)\"\u201d\u2019'" else f"{text}."
