"""Dutch words for clustering: a stop-word list and a Snowball stemmer, with nothing to download.

The stop words are the function words of everyday Dutch (articles, pronouns, auxiliaries,
prepositions, conjunctions) and a few filler verbs and adverbs. Words that many reflections in
this programme share ("bewoner", "buurt") are not on the list: TF-IDF already weighs them down,
and they still tell topics apart now and then.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STOP_WORDS_TEXT = """
    aan af al alle alleen alles als altijd andere ben bij binnen daar daarna daardoor daarom dan
    dat de den der deze die dit doch doen doet door dus echt een eens eigenlijk elk elke en er
    erbij ergens even ge geen geweest haar had hadden heb hebben heeft hem het hier hij hoe hun
    iemand iets ik in is ja je jij jou jouw jullie kan kon konden kunnen kunt maar me meer men met
    mij mijn moet moeten na naar niet niets nog nooit nu of om omdat ons onze ook op over pas
    reeds s sinds soms steeds te tegen toch toen tot u uit uw van veel voor vooral waar waarom
    wanneer want waren was wat we wel werd werden wie wij wil wilde wilden willen word worden
    wordt zal ze zei zelf zich zij zijn zo zoals zonder zou zouden zullen zulk zeer
    gewoon nu al weer wel even net heel best keer manier iets dingen ding gaat gaan ging
    kom komen komt kwam kwamen krijgen krijgt laat laten liet maakt maken moest mocht mag
    nieuw nieuwe hele eerst eerste nou ooit tussen via zit zitten zat daar's 't m'n z'n zo'n d'r
    terwijl geeft geven gaf nam neemt nemen goed voelt werkt lijkt zien ziet staat staan stond
    zeggen zegt weten weet wilt vinden vindt vind denken denk denkt voel genoeg beetje ineens
    weinig zodra mogen erover onder wezen alsof anders ander terug achteraf doe deed deden gedaan
    gemaakt gekregen gezien gezegd gegaan gekomen gehad kreeg kregen zag zagen vond vonden wist
    dacht moesten gingen liep bijna helemaal nogal misschien natuurlijk zeker vaak daarbij daarmee
    daarvoor hierdoor ermee erin eruit ervan erop toe mee zelfs zowel beide ieder iedere hetzelfde
    dezelfde zulke welke welk waarin waarbij waardoor waarmee hen jouw mezelf zichzelf doordat
    zodat hoewel totdat tenzij echter later eerder straks opeens nadat voordat daarin erg lang
    blijft blijven bleef bleven volgende vorige voelde voelden haha hihi zet zette zetten
    """
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())

# Letters, with an apostrophe (straight or curly) or a hyphen inside a word: "m'n", "buurt-app".
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", re.UNICODE)


# Phones turn ' into a curly quote (U+2019) as people type; some keyboards give an accent (U+00B4).
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2018\u2019\u02bc\u00b4\u0060\u2032", "'"))


def fold(text: str) -> str:
    """Lower case without accents, so "één" and "een", "mét" and "met" count as one word, and
    with one apostrophe, so "m'n" typed on a phone (with U+2019) is "m'n" too."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def is_word(text: str) -> bool:
    """Whether the text is one word as `words` reads it: letters, a hyphen or apostrophe inside."""
    return _WORD.fullmatch(text.translate(_APOSTROPHES)) is not None


def has_words(text: str) -> bool:
    """Whether the text says anything in words, stop words included ("Ja, nooit meer zo!"): the
    sentence encoder reads it even when TF-IDF finds nothing."""
    return _WORD.search(fold(text)) is not None


def words(text: str) -> list[str]:
    """The content words of a text, folded, in order, without stop words or one-letter bits."""
    return [word for word in _WORD.findall(fold(text)) if len(word) > 1 and word not in STOP_WORDS]


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball Dutch stem: "samenwerking" and "samenwerken" both become "samenwerk"."""
    return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]
