"""The field's own vocabulary: words that mean one concern of a neighbourhood coalition.

Short notes say the same thing in different words ("de subsidie", "ons potje", "de declaratie
voor de koffie"), and a general sentence encoder reads Dutch paraphrases of everyday community
work only roughly. This list ties such words to one concept, so two notes that share a concept
are a little closer even when they share no word.

It was written from what coalitions of residents and welfare workers talk about (the domain,
the programme's write-up, everyday community work), not from any labelled set: it must hold
on notes nobody here wrote. A word is matched by its Snowball stem, also inside a compound
("subsidieaanvraag" has "subsidie"). A word may stand under two concepts when it means both.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .dutch import fold, stem

_CONCEPTS_TEXT = """
geld: pot collecte collectebus spaarpot spaarvarken overmaken overgemaakt uitgave aftekenen
    financier financieel geldzaken subsidiepot buurtbudget bekostigen sponsors loterij prijs
    geld subsidie budget begroting kosten kost betalen betaald euro declaratie declareren
    financiering fonds fondsen potje bonnetje bonnetjes factuur rekening penningmeester kas
    sponsor sponsoring bijdrage vergoeding uitgeven uitgaven bezuiniging bezuinigen goedkoop
    gratis centen bedrag aanvragen toekenning eigen-bijdrage onkosten voorschieten terugbetalen
    contributie donatie inkomsten pinnen contant
ruimte: buurthuiskamer dorpshuis ontmoetingsruimte gymzaal zaaltje kast opslag verbouwing
    plek-om-te-ontmoeten inloop inloopochtend honk clubhuis ruimte zaal lokaal buurthuis
    wijkcentrum gebouw sleutel sleutels huur huren ontmoetingsplek huiskamer locatie pand
    openingstijden kantine keuken bibliotheek buurtkamer wijkgebouw onderkomen vergaderruimte
    beheerder
gemeente: gemeenteraad wijkregisseur wijkmanager verantwoorden jaarverslag meetbaar aantallen
    getal getallen kpi afrekenen beleidsplan subsidievoorwaarden melding meldpunt gemeente
    gemeentelijk ambtenaar ambtenaren wethouder beleid beleidsmaker raadslid politiek stadhuis
    gemeentehuis opdrachtgever contract aanbesteding verantwoording rapportage rapporteren
    cijfers output meten prestatie prestaties resultaten indicatoren formulier formulieren
    bureaucratie regels vergunning loket ambtelijk provincie overheid subsidieverlener
vrijwilligers: opgebrand overbelasting uitval uitvallen zwaarbelast afhaken afgehaakt volhouden
    vermoeidheid nee-zeggen trekken draaiende kartrekkers stoppen ermee vrijwilliger
    vrijwilligers vrijwilligerswerk kartrekker kartrekkers trekker trekkers overbelast uitgeput
    opgebrand burn-out schouders afhaken stoppen opvolger opvolging grens grenzen moe vermoeid
    helpers taken takenlijst
taal: anderstalig anderstaligen migranten expat buitenlands syrisch eritrees marokkaans poolse
    turkse praatcafe taalmaatje maatje vertaalapp afkortingen jargon moeilijke-woorden
    beeldtaal plaatjes pictogrammen taal talen nederlands vertalen vertaling tolk nieuwkomer
    nieuwkomers statushouder statushouders vluchteling vluchtelingen arabisch turks pools
    tigrinya engels inburgering inburgeren taalles taalcafe laaggeletterd laaggeletterdheid
    voorlezen accent begrijpen verstaan woordjes
jongeren: jongens meiden schoolhek vmbo mbo stage stageplek huiswerk huiswerkklas
    jongerencentrum voetbalkooi scooter scooters tienerwerk jongeren jongere jeugd jeugdig
    tieners tiener pubers puber scholieren school schoolplein hangplek hangjongeren
    jongerenwerker jongerenwerk kinderen kids speeltuin voetbal voetbalveld trapveld sport
    sporten skatebaan brugklas studenten
ouderen: gezelschap missen binnenzitten thuiszitten omkijken bezoekje praatje ophalen
    aanleunwoning vijfenzeventig plussers weduwnaars biljarten koffieochtend rolstoel
    slechtziend slechthorend ouderen oudere senioren senior bejaard bejaarden eenzaam
    eenzaamheid alleenstaand voordeur huisbezoek huisbezoeken weduwe weduwnaar rollator aanloop
    opzoeken isolement verzorgingshuis verpleeghuis pensioen gepensioneerd oma opa
veiligheid: lamp lampen steeg tunnel tunneltje melden incident steekpartij buurtpreventie
    buurtvaders schouw hotspot lawaai geluidsoverlast vuurwerk agent agenten criminaliteit
    buurtwacht veilig veiligheid onveilig politie wijkagent overlast lantaarnpaal lantaarnpalen
    verlichting donker inbraak ingebroken drugs dealen dealers bang angst camera cameras
    handhaving handhaver boa boas vandalisme vernield diefstal gestolen ruzie schreeuwen
    intimiderend
digitaal: smartphone spraakbericht berichtje berichtjes groep duimpje hartjes platform account
    belboom nieuwsbrief mailadres digibeet digitale inlog appen geappt app apps whatsapp
    appgroep groepsapp appje appjes mail mailen email mailtje berichten bericht telefoon mobiel
    nieuwsbrief facebook instagram online digitaal website sms teams zoom beeldbellen laptop
    computer wifi internet wachtwoord inloggen chat
bereik: bereiken bereik folder folders flyer flyers flyeren poster posters affiche aankondiging
    opkomst deelnemers werven werving uitnodigen uitnodiging aanbellen deur-aan-deur
    mond-tot-mond bekendheid reclame publiciteit buurtkrant aanmelden aanmeldingen inschrijven
    doelgroep
zeggenschap: gevraagd inspreken eigen-regie zelf-bedacht zelf-georganiseerd zelf-organiseren
    handen-en-voeten namens voor met door ladder participatieladder zeggenschap regie leiding
    voortouw beslissen besluit besluiten bepalen inspraak gelijkwaardig gelijkwaardigheid
    betutteld betutteling overnemen overgenomen eigenaarschap initiatief aan-zet aansturen baas
    bazen macht mandaat toestemming meebeslissen meedenken uitvoerder
professional: professional professionals beroepskracht beroepskrachten welzijnswerker
    welzijnswerkers opbouwwerker opbouwwerkers sociaal-werker buurtwerker buurtwerkers
    welzijnsorganisatie organisatie instelling kantoor werkuren diploma deskundig deskundigheid
    expertise opgeleid doorgeleerd vakkennis professionaliteit
overdracht: opvolgster reorganisatie stagiaire stagiair pensioen baan vertrekken
    nieuwkomer-professional wegvallen geheugen voorgeschiedenis telefoonlijst overdrachtsmap
    personeelsverloop verloop invallers overdracht overdragen vertrek vertrekt vertrokken
    afscheid opvolger collega collegas wisseling wissel wisselt vacature invaller ziekteverlof
    verlof contactpersoon aanspreekpunt beginnen inwerken ingewerkt
vertrouwen: onderhuids hardop ongemakkelijk gedoe weerstand zere-plek plek-der-moeite
    misverstand misverstanden pijnlijk gevoeligheid kwetsbaar vertrouwen wantrouwen irritatie
    geïrriteerd spanning spanningen wrijving ergernis ergeren conflict onuitgesproken
    verwachting verwachtingen gekwetst eerlijkheid bespreekbaar benoemen onderstroom
    onderstromen gevoelig boos frustratie gefrustreerd teleurgesteld teleurstelling oud-zeer
contact: contact bellen belletje aantikken aantikmoment bijpraten koffie kopje langs langsgaan
    langskomen gesprek gesprekken hoe-gaat-het tamtam geruchten roddel ontmoeten tegenkomen
    op-de-hoogte informeren
klein: groeten groet gedag kleinigheid kleinigheden glimlach zwaaien knikken buurman buurvrouw
    buren portiek trappenhuis
succes: gelukt succes trots vieren gevierd feestje compliment bedankt geweldig waardering
    applaus
mislukt: mislukt mislukking flop tegenvaller teleurstellend misgegaan niemand-kwam afgelast
activiteit: zomerfeest kerstborrel koningsdag sinterklaas iftar kerstmarkt klusdag burendag
    buurtbbq picknick activiteit activiteiten maaltijd koken kookclub soep buurtmaaltijd
    barbecue bbq feest buurtfeest markt rommelmarkt wandeling uitje spelletjes bingo knutselen
    workshop cursus koor muziek dansen
groen: tuin tuinen moestuin groen planten plantenbak bloembakken bloemen boom bomen park
    zwerfafval zwerfvuil afval prikken opruimen schoonmaken vuilnis containers stoep
zorg: huisarts mantelzorg mantelzorger dementie gezondheid ggz verward psychisch ziek ziekte
    ziekenhuis thuiszorg wijkverpleging medicijnen hulpvraag hulpvragen
armoede: armoede voedselbank schulden schuld rondkomen energierekening minima uitkering
    kledingbank weggeefwinkel geldzorgen betalingsachterstand
wonen: woningcorporatie corporatie huurders huurder woning woningen renovatie sloop verhuizen
    verhuisd nieuwbouw flat flats huurverhoging onderhoud lekkage schimmel
overleg: vergadering vergaderen overleg agenda notulen bijeenkomst bijeenkomsten planning
    actiepunten afspraak afspraken verslag stuurgroep
tijd: tijdstip avond avonden overdag werktijd kantoortijd weekend zaterdag zondag vakantie
    zomer agenda traag
"""

# Letters with a hyphen inside ("burn-out", "deur-aan-deur"); hyphens join words of a phrase.
_ENTRY = re.compile(r"^\s*([a-z]+):\s*(.*)$")
# Inside a compound, only stems this long count: "tuin" in "moestuin", but not "arm" in "warm".
MIN_PART = 4
# ... and the rest of the compound is a word too: "lastig" is not "last" + "ig".
MIN_REST = 3


def _parse(text: str) -> dict[str, set[str]]:
    concepts: dict[str, set[str]] = {}
    current = ""
    for line in text.strip().splitlines():
        match = _ENTRY.match(line)
        if match:
            current, line = match.group(1), match.group(2)
        for word in line.split():
            concepts.setdefault(current, set()).add(stem(fold(word).replace("-", "")))
    return concepts


@lru_cache(maxsize=1)
def concepts() -> dict[str, frozenset[str]]:
    """Each concept's stems."""
    return {name: frozenset(stems) for name, stems in _parse(_CONCEPTS_TEXT).items()}


@lru_cache(maxsize=1)
def _by_stem() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name, stems in concepts().items():
        for stemmed in stems:
            index.setdefault(stemmed, []).append(name)
    return {stemmed: tuple(names) for stemmed, names in index.items()}


@lru_cache(maxsize=65536)
def concepts_of(stemmed: str) -> tuple[str, ...]:
    """The concepts a stemmed word stands for: as a whole, or as the head or tail of a compound.

    Dutch glues words together ("buurthuiskamer", "subsidiepot"), so a word also counts for
    every concept of a known stem of at least MIN_PART letters that it starts or ends with.
    """
    index = _by_stem()
    if stemmed in index:
        return index[stemmed]
    found: list[str] = []
    for cut in range(MIN_REST, len(stemmed) - MIN_REST + 1):
        for part, rest in ((stemmed[:cut], stemmed[cut:]), (stemmed[cut:], stemmed[:cut])):
            if len(part) >= MIN_PART and len(rest) >= MIN_REST:
                for name in index.get(part, ()):
                    if name not in found:
                        found.append(name)
    return tuple(found)
