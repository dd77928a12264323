"""The field's own vocabulary: words that mean one concern of a neighbourhood coalition.

Short notes say the same thing in different words ("de subsidie", "ons potje", "de declaratie
voor de koffie"), and a general sentence encoder reads Dutch paraphrases of everyday community
work only roughly. This list ties such words to one concept, so two notes that share a concept
are a little closer even when they share no word.

It was written from what coalitions of residents and welfare workers talk about (the domain,
the programme's write-up, everyday community work), not from any labelled set: it must hold
on notes nobody here wrote. A word is matched as written or by a conservative stem, also
inside a compound ("subsidieaanvraag" has "subsidie"). A word may stand under two concepts
when it means both.

A facilitation team adds concerns of its own, with their words (`OwnConcept` in the app): they
are matched the same way (`own_index`, `concepts_in`) and never merge with the field's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer

from .dutch import fold, stem, words

_CONCEPTS_TEXT = """
geld: pot collecte collectebus spaarpot spaarvarken overmaken overgemaakt uitgave aftekenen
    financier financieel geldzaken subsidiepot buurtbudget bekostigen sponsors prijs geld
    subsidie budget begroting kosten kost betalen betaald euro declaratie declareren
    financiering fonds fondsen potje bonnetje bonnetjes factuur rekening penningmeester kas
    sponsor sponsoring bijdrage vergoeding uitgeven uitgaven bezuiniging bezuinigen goedkoop
    gratis centen bedrag aanvragen toekenning eigen-bijdrage onkosten voorschieten terugbetalen
    contributie donatie inkomsten pinnen contant
ruimte: buurthuiskamer dorpshuis ontmoetingsruimte gymzaal zaaltje kast opslag verbouwing
    plek-om-te-ontmoeten inloop inloopochtend honk clubhuis ruimte zaal buurthuis wijkcentrum
    gebouw sleutel sleutels huur huren ontmoetingsplek huiskamer locatie pand openingstijden
    kantine keuken bibliotheek buurtkamer wijkgebouw onderkomen vergaderruimte beheerder
gemeente: gemeenteraad wijkregisseur wijkmanager verantwoorden jaarverslag meetbaar aantallen
    getal getallen kpi afrekenen beleidsplan subsidievoorwaarden melding meldpunt gemeente
    gemeentelijk ambtenaar ambtenaren wethouder beleid beleidsmaker raadslid politiek stadhuis
    gemeentehuis opdrachtgever contract aanbesteding verantwoording rapportage rapporteren
    cijfers output meten prestatie prestaties resultaten indicatoren formulier formulieren
    bureaucratie regels vergunning loket ambtelijk provincie overheid subsidieverlener
vrijwilligers: opgebrand overbelasting uitval uitvallen zwaarbelast afhaken afgehaakt volhouden
    vermoeidheid nee-zeggen trekken draaiende kartrekkers vrijwilliger vrijwilligers
    vrijwilligerswerk kartrekker trekker trekkers overbelast uitgeput burn-out schouders
    opvolger opvolging grens grenzen moe vermoeid helpers taken takenlijst
taal: anderstalig anderstaligen migranten expat buitenlands syrisch eritrees marokkaans poolse
    turkse praatcafe taalmaatje vertaalapp afkortingen jargon moeilijke-woorden beeldtaal
    pictogrammen taal talen nederlands vertalen vertaling tolk nieuwkomer nieuwkomers
    statushouder statushouders vluchteling vluchtelingen arabisch turks pools tigrinya engels
    inburgering inburgeren taalles taalcafe laaggeletterd laaggeletterdheid voorlezen accent
    begrijpen verstaan
jongeren: jongens meiden schoolhek vmbo mbo stage stageplek huiswerk huiswerkklas
    jongerencentrum voetbalkooi scooter scooters tienerwerk jongeren jongere jeugd jeugdig
    tieners tiener pubers puber scholieren school schoolplein hangplek hangjongeren
    jongerenwerker jongerenwerk kinderen kids speeltuin voetbal voetbalveld trapveld sport
    sporten skatebaan brugklas studenten
ouderen: binnenzitten thuiszitten omkijken bezoekje ophalen aanleunwoning vijfenzeventig
    plussers weduwnaars biljarten koffieochtend rolstoel slechtziend slechthorend ouderen
    oudere senioren senior bejaard bejaarden eenzaam eenzaamheid alleenstaand voordeur
    huisbezoek huisbezoeken weduwe weduwnaar rollator aanloop opzoeken isolement
    verzorgingshuis verpleeghuis pensioen gepensioneerd oma opa
veiligheid: lamp lampen steeg tunnel tunneltje melden incident steekpartij buurtpreventie
    buurtvaders schouw hotspot lawaai geluidsoverlast vuurwerk agent agenten criminaliteit
    buurtwacht veilig veiligheid onveilig politie wijkagent overlast lantaarnpaal lantaarnpalen
    verlichting donker inbraak ingebroken drugs dealen dealers bang angst camera cameras
    handhaving handhaver boa boas vandalisme vernield diefstal gestolen ruzie schreeuwen
    intimiderend
digitaal: smartphone spraakbericht berichtje berichtjes duimpje hartjes platform account
    belboom nieuwsbrief mailadres digibeet digitale inlog appen geappt app apps whatsapp
    appgroep groepsapp appje appjes mail mailen email mailtje berichten bericht telefoon mobiel
    facebook instagram online digitaal website sms zoom beeldbellen laptop computer wifi
    internet wachtwoord inloggen chat
bereik: bereiken bereik folder folders flyer flyers flyeren poster posters affiche aankondiging
    opkomst deelnemers werven werving uitnodigen uitnodiging aanbellen deur-aan-deur
    mond-tot-mond bekendheid reclame publiciteit buurtkrant aanmelden aanmeldingen inschrijven
    doelgroep
zeggenschap: inspreken eigen-regie zelf-bedacht zelf-georganiseerd zelf-organiseren
    handen-en-voeten namens ladder participatieladder zeggenschap regie voortouw beslissen
    besluit besluiten bepalen inspraak gelijkwaardig gelijkwaardigheid betutteld betutteling
    overnemen overgenomen eigenaarschap aan-zet aansturen baas bazen macht mandaat toestemming
    meebeslissen meedenken
professional: professional professionals beroepskracht beroepskrachten welzijnswerker
    welzijnswerkers opbouwwerker opbouwwerkers sociaal-werker buurtwerker buurtwerkers
    welzijnsorganisatie organisatie instelling kantoor werkuren diploma deskundig deskundigheid
    expertise opgeleid doorgeleerd vakkennis professionaliteit
overdracht: opvolgster reorganisatie stagiaire stagiair pensioen baan vertrekken
    nieuwkomer-professional wegvallen geheugen voorgeschiedenis telefoonlijst overdrachtsmap
    personeelsverloop verloop invallers overdracht overdragen vertrek vertrekt vertrokken
    afscheid opvolger collega collegas wisseling wissel wisselt vacature invaller ziekteverlof
    verlof contactpersoon aanspreekpunt inwerken ingewerkt
vertrouwen: onderhuids hardop ongemakkelijk gedoe weerstand zere-plek plek-der-moeite
    misverstand misverstanden pijnlijk kwetsbaar vertrouwen wantrouwen irritatie geïrriteerd
    spanning spanningen wrijving ergernis ergeren conflict onuitgesproken verwachting
    verwachtingen gekwetst eerlijkheid bespreekbaar benoemen onderstroom onderstromen boos
    frustratie gefrustreerd teleurgesteld teleurstelling oud-zeer
contact: contact bellen belletje aantikken aantikmoment bijpraten koffie kopje langsgaan
    langskomen gesprek gesprekken hoe-gaat-het tamtam geruchten roddel ontmoeten tegenkomen
    op-de-hoogte informeren
klein: groeten groet kleinigheid kleinigheden glimlach zwaaien knikken buurman buurvrouw buren
    portiek trappenhuis
succes: gelukt succes trots feestje compliment bedankt geweldig waardering applaus
mislukt: mislukt mislukking flop tegenvaller teleurstellend misgegaan niemand-kwam afgelast
activiteit: zomerfeest kerstborrel koningsdag sinterklaas iftar kerstmarkt klusdag burendag
    buurtbbq picknick activiteit activiteiten maaltijd koken kookclub soep buurtmaaltijd
    barbecue bbq feest buurtfeest markt rommelmarkt wandeling uitje bingo knutselen workshop
    cursus koor muziek dansen
groen: tuin tuinen moestuin groen planten plantenbak bloembakken bloemen boom bomen park
    zwerfafval zwerfvuil afval prikken opruimen schoonmaken vuilnis containers stoep
zorg: huisarts mantelzorg mantelzorger dementie gezondheid ggz verward psychisch ziek ziekte
    ziekenhuis thuiszorg wijkverpleging medicijnen hulpvraag hulpvragen
armoede: armoede voedselbank schulden schuld rondkomen energierekening minima uitkering
    kledingbank weggeefwinkel geldzorgen betalingsachterstand
wonen: woningcorporatie corporatie huurders huurder woning woningen renovatie sloop verhuizen
    verhuisd nieuwbouw flat flats huurverhoging onderhoud lekkage schimmel
overleg: vergadering vergaderen overleg agenda notulen bijeenkomst bijeenkomsten actiepunten
    afspraak afspraken verslag stuurgroep
tijd: tijdstip avond avonden overdag werktijd kantoortijd zaterdag zondag vakantie zomer agenda
    traag
vervoer: vervoer mobiliteit buurtbus regiotaxi taxi bus bussen buslijn halte bushalte
    openbaar-vervoer trein auto autos rijden rijdt chauffeur chauffeurs meerijden carpool
    fiets fietsen scootmobiel busje buitengebied dorp dorpen bereikbaar bereikbaarheid
    onbereikbaar parkeren ophaaldienst
eenzaamheid: eenzaam eenzaamheid alleenstaand isolement geisoleerd vereenzaming vereenzamen
    vereenzaamd aanspraak praatje overleden verdriet weduwe weduwnaar binnenzitten thuiszitten
signalen: signaal signalen signaleren opvallen opgevallen zorgwekkend bezorgd
    achter-de-voordeur doorverwijzen doorverwezen melden vermoeden verwaarlozing verwaarloosd
    huiselijk-geweld brievenbus gordijnen vervuild vervuiling opmerken opmerkzaam oogjes
werkdruk: werkdruk caseload wachtlijst wachtlijsten overuren urenregistratie te-veel
    tijdgebrek ziekmelding overwerkt opgebrand uitgeput overbelast overbelasting burn-out stress
"""

# Letters with a hyphen inside ("burn-out", "deur-aan-deur"); hyphens join words of a phrase.
_ENTRY = re.compile(r"^\s*([a-z]+):\s*(.*)$")
# Inside a compound, only keys this long count: "tuin" in "moestuin", but not "arm" in "warm".
MIN_PART = 4
# ... and the rest of the compound is a word too: "lastig" is not "last" + "ig".
MIN_REST = 3
# The clustering's Snowball stemmer also strips prefixes ("gemeente" and "mening" both become
# "meen", "begeleiding" becomes "beleid"): fine for TF-IDF, wrong for a concept. Its stem counts
# here only when no prefix was taken off and it is this long.
MIN_STEM = 5
# Words that start or end with a known key but are no compound of it ("geregeld" is not
# "gere" + "geld", "automatisch" not "auto" + "matisch").
NOT_COMPOUNDS = frozenset(
    {
        "geregeld",
        "afgeregeld",
        "ongeregeld",
        "bespreekbaar",
        "autoriteit",
        "autoriteiten",
        "automatisch",
        "automatisering",
    }
)


@lru_cache(maxsize=1)
def _porter() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("dutch_porter")


def keys(word: str) -> set[str]:
    """The forms a word is known by: itself, its conservative stem, and a safe Snowball stem."""
    word = fold(word).replace("-", "")
    found = {word, _porter().stemWord(word)}
    stemmed = stem(word)
    if len(stemmed) >= MIN_STEM and stemmed[:3] == word[:3]:
        found.add(stemmed)
    return found


def _parse(text: str) -> dict[str, set[str]]:
    concepts: dict[str, set[str]] = {}
    current = ""
    for line in text.strip().splitlines():
        match = _ENTRY.match(line)
        if match:
            current, line = match.group(1), match.group(2)
        for word in line.split():
            concepts.setdefault(current, set()).update(keys(word))
    return concepts


@lru_cache(maxsize=1)
def concepts() -> dict[str, frozenset[str]]:
    """Each concept's keys (word forms and stems)."""
    return {name: frozenset(found) for name, found in _parse(_CONCEPTS_TEXT).items()}


@lru_cache(maxsize=1)
def _by_key() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name, found in concepts().items():
        for key in found:
            index.setdefault(key, []).append(name)
    return {key: tuple(names) for key, names in index.items()}


@lru_cache(maxsize=65536)
def concepts_of(word: str) -> tuple[str, ...]:
    """The concepts a word stands for: as a whole, or as the head or tail of a compound.

    Dutch glues words together ("buurthuiskamer", "subsidiepot"), so a word also counts for
    every concept of a known key of at least MIN_PART letters that it starts or ends with.
    """
    return _matches(word, _by_key())


def _matches(word: str, index: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    found: list[str] = []
    forms = keys(word)
    for form in forms:
        for name in index.get(form, ()):
            if name not in found:
                found.append(name)
    if found:
        return tuple(found)
    form = fold(word).replace("-", "")
    if form in NOT_COMPOUNDS:
        return ()
    for cut in range(MIN_REST, len(form) - MIN_REST + 1):
        for part, rest in ((form[:cut], form[cut:]), (form[cut:], form[:cut])):
            if len(part) >= MIN_PART and len(rest) >= MIN_REST:
                for name in index.get(part, ()):
                    if name not in found:
                        found.append(name)
    return tuple(found)


# A team's own concern never merges with one of the field's that happens to share its name.
OWN = "own:"


def own_index(own_words: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """The keys of a team's own words (`OwnConcept`), each with the concerns it stands for."""
    index: dict[str, list[str]] = {}
    for name, written in own_words.items():
        for word in written:
            for key in keys(word):
                if OWN + name not in index.setdefault(key, []):
                    index[key].append(OWN + name)
    return {key: tuple(names) for key, names in index.items()}


def concepts_in(text: str, own: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The concepts of each content word of a text: the field's, and the team's own (`own`,
    from `own_index`), matched the same way, compounds included."""
    found = []
    for word in words(text):
        found.extend(concepts_of(word))
        if own:
            found.extend(_matches(word, own))
    return found
