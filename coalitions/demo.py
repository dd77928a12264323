"""The demo expedition: five coalitions after three pitstops, the fourth planned.

Everything is keyed on natural keys and created with get_or_create, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from pitstops.models import (
    Agreement,
    CompassRating,
    CompassScore,
    Pitstop,
    RedThread,
    Reflection,
    Session,
)

from .models import Coalition, Expedition, HelpRequest, Member, SmallThing, TamtamPost
from .models.space import find_mentions

DEMO_PASSWORD = "pitstop-demo"
RESIDENT = Member.Role.RESIDENT
PROFESSIONAL = Member.Role.PROFESSIONAL
Kind = Reflection.Kind
Visibility = Reflection.Visibility


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role_description: str


ACCOUNTS = [
    DemoAccount("begeleider", "Femke", "Jansen", "facilitator (begeleider)"),
    DemoAccount("coordinator", "Ruud", "van Dijk", "coordinator (coördinator)"),
    DemoAccount("bewoner", "Ans", "Verhoef", "resident in Apeldoorn (bewoner)"),
    DemoAccount(
        "beroepskracht", "Youssef", "El Amrani", "professional in Apeldoorn (beroepskracht)"
    ),
    DemoAccount("beheerder", "Beheer", "Pitstop", "superuser (beheerder)"),
]

COALITIONS = [
    {
        "slug": "apeldoorn",
        "name": "Apeldoorn",
        "place": "Apeldoorn, De Maten",
        "residents_initiative": "Buurtkamer De Zonnewijzer",
        "welfare_organisation": "Welzijn Apeldoorn Zuid",
        "plan": "Een buurtkamer die elke dag open is, gerund door bewoners. De welzijnsorganisatie "
        "helpt met de sleutel, de subsidie en een training gastvrouw en gastheer.",
        "members": [
            ("Ans Verhoef", RESIDENT, "Buurtkamer De Zonnewijzer"),
            ("Youssef El Amrani", PROFESSIONAL, "Welzijn Apeldoorn Zuid"),
            ("Gerda Hofman", RESIDENT, "Buurtkamer De Zonnewijzer"),
            ("Henk Mulder", RESIDENT, ""),
            ("Priya Ramdin", RESIDENT, "Buurtkamer De Zonnewijzer"),
            ("Lotte Bos", PROFESSIONAL, "Welzijn Apeldoorn Zuid"),
            ("Mehmet Yilmaz", RESIDENT, ""),
            ("Sandra de Graaf", PROFESSIONAL, "Gemeente Apeldoorn, wijkteam"),
        ],
    },
    {
        "slug": "horst-aan-de-maas",
        "name": "Horst aan de Maas",
        "place": "Meterik",
        "residents_initiative": "Dorpsinitiatief Samen in Meterik",
        "welfare_organisation": "Welzijn Horst",
        "plan": "Vrijwilligers rijden ouderen naar de dokter en de markt. Samen met de "
        "welzijnsorganisatie zoeken we nieuwe chauffeurs en een vaste plek om koffie te drinken.",
        "members": [
            ("Jan Peeters", RESIDENT, "Samen in Meterik"),
            ("Marij Hendrikx", RESIDENT, "Samen in Meterik"),
            ("Toon Verstegen", RESIDENT, ""),
            ("Ellen Janssen", PROFESSIONAL, "Welzijn Horst"),
            ("Bram Custers", PROFESSIONAL, "Welzijn Horst"),
            ("Wilma Hesen", RESIDENT, "Samen in Meterik"),
            ("Noor Philipsen", RESIDENT, ""),
        ],
    },
    {
        "slug": "utrecht",
        "name": "Utrecht",
        "place": "Utrecht, Kanaleneiland",
        "residents_initiative": "Bewonersgroep Kanaleneiland Verbindt",
        "welfare_organisation": "Buurtteam Utrecht West",
        "plan": "Moeders uit de buurt organiseren een taalcafé en een kookavond. Het buurtteam "
        "helpt met ruimte en met contacten bij scholen.",
        "members": [
            ("Fatima Bouzid", RESIDENT, "Kanaleneiland Verbindt"),
            ("Samira Ouali", RESIDENT, "Kanaleneiland Verbindt"),
            ("Dewi Pranoto", RESIDENT, ""),
            ("Kees Vermeulen", RESIDENT, ""),
            ("Ayla Demir", RESIDENT, "Kanaleneiland Verbindt"),
            ("Joris Smit", PROFESSIONAL, "Buurtteam Utrecht West"),
            ("Esther Kok", PROFESSIONAL, "Buurtteam Utrecht West"),
            ("Hamid Azizi", PROFESSIONAL, "Jongerenwerk Utrecht"),
            ("Rosa Martens", RESIDENT, ""),
            ("Linda Brouwer", PROFESSIONAL, "Bibliotheek Kanaleneiland"),
        ],
    },
    {
        "slug": "voorst",
        "name": "Voorst",
        "place": "Twello",
        "residents_initiative": "Zorgcoöperatie Twello",
        "welfare_organisation": "Welzijn Voorst",
        "plan": "Een netwerk van buren die elkaar helpen met kleine klussen en een wekelijkse "
        "maaltijd. De welzijnsorganisatie zorgt voor de verbinding met mantelzorgers.",
        "members": [
            ("Gert Wolters", RESIDENT, "Zorgcoöperatie Twello"),
            ("Ineke Bouwman", RESIDENT, "Zorgcoöperatie Twello"),
            ("Harm Lubbers", RESIDENT, ""),
            ("Carla Meijer", PROFESSIONAL, "Welzijn Voorst"),
            ("Tim Hulshof", PROFESSIONAL, "Welzijn Voorst"),
            ("Joke Engelen", RESIDENT, ""),
        ],
    },
    {
        "slug": "wageningen",
        "name": "Wageningen",
        "place": "Wageningen, De Nude",
        "residents_initiative": "Buurtkeuken De Nude",
        "welfare_organisation": "Welzijn Wageningen",
        "plan": "Een buurtkeuken waar studenten en oudere buurtbewoners samen koken. De "
        "welzijnsorganisatie helpt met hygiëne, vrijwilligers en de huur van de keuken.",
        "members": [
            ("Marieke Dekker", RESIDENT, "Buurtkeuken De Nude"),
            ("Pieter van Leeuwen", RESIDENT, "Buurtkeuken De Nude"),
            ("Sophie Kramer", RESIDENT, ""),
            ("Ahmed Haddou", RESIDENT, ""),
            ("Lisa Visser", PROFESSIONAL, "Welzijn Wageningen"),
            ("Daan de Boer", PROFESSIONAL, "Welzijn Wageningen"),
            ("Grietje Postma", RESIDENT, "Buurtkeuken De Nude"),
            ("Nina Schouten", RESIDENT, ""),
            ("Rik Willems", PROFESSIONAL, "Woningcorporatie Idealis"),
        ],
    },
]

# Per theme key: what people said, written for this demo.
REFLECTIONS: dict[str, list[tuple[str, str]]] = {
    "reisgezelschap": [
        (Kind.UNDERCURRENT, "Ik merk dat mijn mening minder telt omdat ik geen diploma heb."),
        (
            Kind.OBSERVATION,
            "Sinds we het over de sleutel van de buurtkamer hebben gehad, is de sfeer beter.",
        ),
        (Kind.QUESTION, "Mogen we ook zeggen dat we het oneens zijn, zonder dat het ruzie wordt?"),
        (Kind.SUCCESS, "We hebben eindelijk besproken wie waarover beslist. Dat luchtte op."),
        (
            Kind.SMALL_FAILURE,
            "De oude ruzie over het potje geld kwam terug. We zijn er nog niet uit.",
        ),
        (Kind.UNDERCURRENT, "Als beroepskracht voel ik soms dat ik op mijn tenen moet lopen."),
        (
            Kind.OBSERVATION,
            "In het begin ging alles vanzelf. Nu het lastiger wordt, zien we pas wat er speelt.",
        ),
    ],
    "teamgeest": [
        (Kind.SUCCESS, "Gerda belde me toen ik ziek was. Dat vergeet ik niet."),
        (Kind.OBSERVATION, "Bij de koffie na afloop hoor je meer dan in de vergadering."),
        (Kind.QUESTION, "Hoe houden we contact met mensen die niet in de app-groep zitten?"),
        (
            Kind.SMALL_FAILURE,
            "We vergaten de nieuwe vrijwilliger uit te nodigen. Zij voelde zich buitengesloten.",
        ),
        (Kind.UNDERCURRENT, "Ik hoor dingen pas via via. Dat voelt alsof ik er niet bij hoor."),
        (Kind.SUCCESS, "Even langs de deur gaan werkt beter dan tien mails."),
        (Kind.OBSERVATION, "De vraag hoe het met je gaat, opent meer dan je denkt."),
    ],
    "samenkracht": [
        (Kind.OBSERVATION, "We doen veel voor bewoners, maar nog weinig door bewoners."),
        (
            Kind.UNDERCURRENT,
            "De gemeente wil cijfers zien. Daardoor tellen de kleine gesprekken niet mee.",
        ),
        (Kind.QUESTION, "Wie bepaalt eigenlijk wat een goed resultaat is?"),
        (Kind.SUCCESS, "Samen zijn we naar de wethouder gegaan. Zij luisterde echt."),
        (
            Kind.SMALL_FAILURE,
            "De subsidieaanvraag hebben we zonder bewoners geschreven. Dat was niet de bedoeling.",
        ),
        (Kind.OBSERVATION, "Het schema namens, voor, met, door gaf ons taal om erover te praten."),
        (Kind.UNDERCURRENT, "Soms voelt het alsof de organisatie ons plan heeft overgenomen."),
    ],
    "klein": [
        (Kind.SUCCESS, "Ik ken nu de namen van drie buren die ik al jaren zag."),
        (Kind.SUCCESS, "Een kaartje bij de geboorte van een baby in de straat. Zo klein, zo fijn."),
        (
            Kind.SMALL_FAILURE,
            "Het buurtontbijt kwam niemand op af. Volgende keer vragen we het persoonlijk.",
        ),
        (
            Kind.OBSERVATION,
            "Ons plan van aanpak was te groot. De kleine dingen houden ons bij elkaar.",
        ),
        (Kind.QUESTION, "Hoe laten we de gemeente zien dat kleine dingen ook tellen?"),
        (Kind.OBSERVATION, "Iemand begon met soep, en toen wilde een ander brood bakken."),
        (
            Kind.UNDERCURRENT,
            "Ik durf niet te zeggen dat iets mislukt is. Dan lijkt het alsof ik faal.",
        ),
    ],
    "bewoners-aan-zet": [
        (Kind.OBSERVATION, "De beroepskracht zegt steeds vaker: wat willen jullie?"),
        (Kind.UNDERCURRENT, "Soms voelen we ons de handjes en voetjes van het welzijnswerk."),
        (
            Kind.SUCCESS,
            "Bij de burendag beslisten de bewoners alles. Wij hielpen alleen met de tent.",
        ),
        (Kind.QUESTION, "Wat doe je als bewoners het niet willen trekken?"),
        (
            Kind.SMALL_FAILURE,
            "Ik nam het over omdat het sneller ging. Achteraf was dat niet handig.",
        ),
        (Kind.OBSERVATION, "Bewoners weten wie er eenzaam is. Wij weten welke deur open kan."),
        (Kind.SUCCESS, "De training over verwarde personen kwam er op vraag van bewoners."),
    ],
}

AGREEMENTS = [
    (
        "Elke maand een gesprek van een uur: hoe gaat het tussen ons?",
        "Intervisie is gestart, twee keer gedaan.",
    ),
    ("Samen de training gastvrouw en gastheer volgen", ""),
    (
        "Tegen elkaar uitspreken wat we goed vinden gaan",
        "We beginnen elk overleg met één compliment.",
    ),
    ("Een gezamenlijke burendag organiseren", ""),
    ("Het plan van aanpak herschrijven in kleine stappen", ""),
]

CHECK_IN_LINES = [
    "Moe maar blij dat ik er ben.",
    "Goed! Net terug van vakantie.",
    "Druk op het werk, fijn om even stil te staan.",
]

RED_THREADS = [
    (
        "reisgezelschap",
        "Eén reisgezelschap: maak de onderstromen bespreekbaar",
        "In bijna elke sessie speelde iets onder de oppervlakte: oude ergernis over rollen, of het "
        "gevoel dat de kennis van beroepskrachten zwaarder weegt. Waar mensen dat hardop zeiden, "
        "werd de samenwerking beter. Het lastige punt kwam pas na de eerste fijne weken.",
    ),
    (
        "teamgeest",
        "De teamgeest: even aantikken werkt",
        "De coalities die goed lopen, zoeken elkaar vaak even op. Een belletje, een vraag hoe het "
        "gaat, koffie na afloop. Wie niet in de app-groep zit, valt snel buiten de tamtam.",
    ),
    (
        "samenkracht",
        "Het kompas: samenkracht",
        "Het schema namens, voor, met en door bewoners gaf taal. Sommige coalities werken vooral "
        "met bewoners, andere door bewoners. Druk van buiten, zoals cijfers voor de gemeente, "
        "trekt het soms terug naar voor bewoners.",
    ),
    (
        "klein",
        "Kleiner kijken en doen",
        "Grote plannen van aanpak bleken zwaar. De kleine dingen, groeten, namen kennen, een "
        "kaartje, houden mensen bij elkaar. Ook wat mislukte, leverde iets op. Het ene idee bracht "
        "het volgende.",
    ),
    (
        "bewoners-aan-zet",
        "Bewoners aan zet houden",
        "Beroepskrachten vragen vaker wat bewoners willen. Toch voelen bewoners zich soms de "
        "handen en voeten van een dienst. De vraag blijft: wie is eigenaar van het initiatief?",
    ),
]

# The plan of small things: (kind, text, index of the lead, indexes of who joined).
SMALL_THINGS = [
    (SmallThing.Kind.ACTION, "Nieuwe buren een kaartje met onze namen brengen", 0, [2, 3]),
    (SmallThing.Kind.SUCCESS, "Meneer van nummer 12 kwam voor het eerst koffie drinken", 2, []),
    (SmallThing.Kind.ACTION, "Op zaterdag samen de stoep voor de buurtkamer vegen", 1, [0]),
    (SmallThing.Kind.FAILURE, "De flyer was te lang. Niemand las hem", 1, []),
    (SmallThing.Kind.ACTION, "Een lijstje met telefoonnummers voor als iemand ziek is", 3, [1, 4]),
    (SmallThing.Kind.SUCCESS, "Iedereen kent nu de naam van de nieuwe vrijwilliger", 4, []),
    (SmallThing.Kind.FAILURE, "Het appje over de vergadering kwam te laat", 5, []),
]

# When each small thing was noted: the first four on the way to pitstops 2 and 3, so the journey
# shows them along the way; the last three in the days before the demo is loaded (None).
SMALL_THING_DATES = [
    datetime.datetime(2026, 4, 28, 12, 0, tzinfo=datetime.UTC),
    datetime.datetime(2026, 5, 20, 12, 0, tzinfo=datetime.UTC),
    datetime.datetime(2026, 7, 22, 12, 0, tzinfo=datetime.UTC),
    datetime.datetime(2026, 8, 30, 12, 0, tzinfo=datetime.UTC),
    None,
    None,
    None,
]

# The tamtam: (index of the author, text, hours ago). "@First name" mentions a member.
TAMTAM = [
    (0, "Goedemorgen allemaal! De koffie staat vanaf tien uur klaar.", 70),
    (1, "@{2} bedankt voor het meedenken gisteren. Dat hielp echt.", 50),
    (2, "Hoe gaat het met iedereen? Ik hoorde dat het druk is op het werk.", 30),
    (3, "O ja: de sleutel ligt deze week bij de buren op nummer 8.", 20),
    (4, "@{0} heb je zin om zaterdag mee te vegen?", 4),
]

# The journey: the pitstops held so far, and the next one, planned. Only the first round is
# rich (every kind and visibility, a red thread still in review); the later rounds are lighter
# but whole, so the journey page and the overview show change.
LATER_PITSTOPS = [
    (
        2,
        "Tweede pitstop: onderweg",
        datetime.date(2026, 6, 1),
        datetime.date(2026, 7, 3),
        datetime.datetime(2026, 7, 10, 10, 0, tzinfo=datetime.UTC),
    ),
    (
        3,
        "Derde pitstop: wat blijft er staan?",
        datetime.date(2026, 9, 1),
        datetime.date(2026, 10, 15),
        datetime.datetime(2026, 10, 20, 10, 0, tzinfo=datetime.UTC),
    ),
]
UPCOMING_PITSTOP = 4

# Per coalition, its place on the ladder at pitstops 1, 2 and 3 (0: namens, 1: voor, 2: met,
# 3: door bewoners), and how the compass moved from one pitstop to the next (added per theme).
JOURNEYS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "apeldoorn": ((1, 2, 2), (0, 1, 0)),  # from voor to met, and it holds
    "horst-aan-de-maas": ((1, 1, 2), (0, 0, 1)),  # slow, then met
    "utrecht": ((2, 2, 3), (0, 0, 1)),  # met, then door: the mothers run the taalcafé
    "voorst": ((1, 2, 1), (0, 1, -1)),  # back to voor when the municipality pushed
    "wageningen": ((0, 1, 2), (0, 1, 1)),  # namens, voor, met
}

# What people said at the later pitstops: per pitstop, one line per theme (two to vary), and
# per coalition one line that tells its own journey.
LATER_REFLECTIONS: dict[int, dict[str, list[tuple[str, str]]]] = {
    2: {
        "reisgezelschap": [
            (Kind.OBSERVATION, "We zeggen nu vaker hardop wat ons dwarszit. Dat is wennen."),
            (Kind.SUCCESS, "De ruzie over het potje is uitgepraat. We maakten samen een lijst."),
        ],
        "teamgeest": [
            (Kind.SUCCESS, "Elke maandag een kop koffie met wie er is. Dat houdt ons bij elkaar."),
            (Kind.QUESTION, "Hoe nemen we nieuwe mensen mee zonder dat ze verdwalen?"),
        ],
        "samenkracht": [
            (Kind.OBSERVATION, "Bewoners schreven zelf een deel van de aanvraag. Dat ging goed."),
            (Kind.UNDERCURRENT, "De gemeente vraagt om een rapport met cijfers. Dat voelt zwaar."),
        ],
        "klein": [
            (Kind.SUCCESS, "Een bankje voor de deur. Nu blijven mensen even staan."),
            (Kind.SMALL_FAILURE, "De wandelgroep viel stil in de zomer. We beginnen opnieuw."),
        ],
        "bewoners-aan-zet": [
            (Kind.OBSERVATION, "Wij hebben nu zelf een sleutel. Dat maakt echt verschil."),
            (Kind.QUESTION, "Wie neemt het over als de trekker op vakantie is?"),
        ],
    },
    3: {
        "reisgezelschap": [
            (Kind.OBSERVATION, "We kennen elkaar nu. Ook als het botst, blijven we praten."),
            (Kind.UNDERCURRENT, "Nieuwe beroepskrachten weten niet wat wij al samen deden."),
        ],
        "teamgeest": [
            (Kind.SUCCESS, "Toen Henk in het ziekenhuis lag, kwam de hele groep langs."),
            (Kind.OBSERVATION, "De app-groep is rustiger. We zien elkaar vaker echt."),
        ],
        "samenkracht": [
            (Kind.SMALL_FAILURE, "De cijfers voor de gemeente schreven we weer zonder bewoners."),
            (Kind.SUCCESS, "De wethouder kwam zelf kijken. Ze vroeg wat wij nodig hebben."),
        ],
        "klein": [
            (Kind.SUCCESS, "Drie buren helpen nu elke week met de boodschappen."),
            (Kind.OBSERVATION, "Kleine dingen doen we zonder vergadering. Dat scheelt veel."),
        ],
        "bewoners-aan-zet": [
            (Kind.SUCCESS, "Wij bepalen nu zelf de agenda. De beroepskracht schuift aan."),
            (Kind.UNDERCURRENT, "Soms neemt het welzijnswerk het toch weer over. Dat stoort me."),
        ],
    },
}
JOURNEY_MOMENTS: dict[str, dict[int, tuple[str, str]]] = {
    "apeldoorn": {
        2: (Kind.SUCCESS, "De buurtkamer is nu vier dagen open. Bewoners hebben de sleutel."),
        3: (Kind.OBSERVATION, "We doen het samen. Youssef helpt, maar wij trekken het."),
    },
    "horst-aan-de-maas": {
        2: (Kind.SMALL_FAILURE, "Er zijn nog te weinig chauffeurs. Welzijn regelt het nu."),
        3: (Kind.SUCCESS, "Vier nieuwe chauffeurs! We vonden ze zelf, via de kerk en de kroeg."),
    },
    "utrecht": {
        2: (Kind.OBSERVATION, "Het taalcafé loopt. Het buurtteam zet nog de stoelen klaar."),
        3: (Kind.SUCCESS, "De moeders runnen het taalcafé nu zelf. Het buurtteam is te gast."),
    },
    "voorst": {
        2: (Kind.SUCCESS, "Buren plannen zelf de klussen. De maaltijd is elke week vol."),
        3: (
            Kind.UNDERCURRENT,
            "De gemeente wilde ineens cijfers per kwartaal. Toen nam Welzijn het weer over.",
        ),
    },
    "wageningen": {
        2: (Kind.OBSERVATION, "Studenten en ouderen koken nu samen. Welzijn bepaalt nog het menu."),
        3: (
            Kind.SUCCESS,
            "De ouderen kiezen zelf wat we koken. De studenten doen de boodschappen.",
        ),
    },
}

# The round "Stories of change" at the later pitstops: per coalition and pitstop, what two
# members told had changed for them since the last pitstop, and why the group chose the first.
CHANGE_STORIES: dict[str, dict[int, tuple[tuple[str, str], str]]] = {
    "apeldoorn": {
        2: (
            (
                "Eerst vroeg ik Youssef om de sleutel. Nu heb ik er zelf een.",
                "Ik zeg nu op het overleg als ik het ergens niet mee eens ben.",
            ),
            "Een eigen sleutel laat zien dat de buurtkamer nu ook van ons is.",
        ),
        3: (
            (
                "Ik maakte zelf de buurtmaaltijd. Youssef kwam als gast.",
                "Mijn buurman komt nu elke week. Eerst bleef hij binnen.",
            ),
            "Zo ziet samen doen eruit: wij trekken, Youssef helpt.",
        ),
    },
    "horst-aan-de-maas": {
        2: (
            (
                "Ik weet nu wie ik kan bellen als de bus niet komt.",
                "Ik reed voor het eerst mee als chauffeur. Dat was een mooie rit.",
            ),
            "Mensen weten elkaar nu te vinden. Dat was er eerst niet.",
        ),
        3: (
            (
                "We vonden zelf vier nieuwe chauffeurs. Welzijn hoefde niets te doen.",
                "Ik vraag nu om hulp. Dat deed ik vroeger nooit.",
            ),
            "Voor het eerst losten bewoners zelf het grootste probleem op.",
        ),
    },
    "utrecht": {
        2: (
            (
                "Ik praat nu Nederlands met de buurvrouw. Eerst durfde ik dat niet.",
                "Ik zet de stoelen niet meer alleen klaar. De moeders helpen.",
            ),
            "Taal maakt contact. Daar is het taalcafé voor.",
        ),
        3: (
            (
                "Wij runnen het taalcafé nu zelf. Het buurtteam is onze gast.",
                "Mijn dochter leest nu voor aan oma. In het Nederlands.",
            ),
            "Het taalcafé is nu echt van de moeders.",
        ),
    },
    "voorst": {
        2: (
            (
                "Ik plan nu zelf de klussen met de buren. Dat gaat goed.",
                "De maaltijd op dinsdag is elke week vol.",
            ),
            "Bewoners plannen zelf. Dat is de stap die we wilden zetten.",
        ),
        3: (
            (
                "Toen de gemeente cijfers wilde, nam Welzijn het weer over. Ik stond aan de kant.",
                "Ik kook nog steeds op dinsdag. Dat laat ik niet los.",
            ),
            "Het laat zien hoe snel het terug gaat als de druk stijgt. Daar willen we van leren.",
        ),
    },
    "wageningen": {
        2: (
            (
                "Ik kook nu samen met een student. We praten over vroeger.",
                "Ik ken nu de namen van de oudere buren in mijn straat.",
            ),
            "Jong en oud doen nu echt iets samen, niet alleen naast elkaar.",
        ),
        3: (
            (
                "Wij kiezen nu zelf wat we eten. Dat voelt als thuis.",
                "Ik doe de boodschappen en leer koken van mevrouw Jansen.",
            ),
            "De ouderen beslissen nu zelf. Dat wilden we al lang.",
        ),
    },
}

LATER_AGREEMENTS = {
    2: [
        "Nieuwe bewoners persoonlijk uitnodigen voor de koffie",
        "Samen het verslag voor de gemeente schrijven",
    ],
    3: [
        "Een nieuwe beroepskracht krijgt een kennismaking met de hele groep",
        "Eén keer per maand kiezen bewoners het onderwerp van het overleg",
    ],
}

# Red threads of the later pitstops: (theme key, title, text, title of the earlier red thread
# it continues).
LATER_RED_THREADS = {
    2: [
        (
            "teamgeest",
            "Even aantikken blijft werken",
            "Ook nu hielden de kleine contacten de coalities bij elkaar: een vaste koffie, een "
            "belletje. Nieuwe mensen vinden de weg nog moeilijk.",
            "De teamgeest: even aantikken werkt",
        ),
        (
            "bewoners-aan-zet",
            "De sleutel in handen van bewoners",
            "In drie coalities hebben bewoners nu zelf de sleutel, letterlijk en figuurlijk. "
            "Beroepskrachten doen een stap terug. Wie het overneemt bij vakantie, is nog de vraag.",
            "Bewoners aan zet houden",
        ),
        (
            "samenkracht",
            "De gemeente vraagt cijfers, wij vertellen verhalen",
            "Verantwoorden kost tijd en trekt het werk terug naar voor bewoners. Waar bewoners "
            "meeschreven, paste het verhaal beter bij wat er echt gebeurt.",
            "Het kompas: samenkracht",
        ),
    ],
    3: [
        (
            "klein",
            "Kleine dingen, grote stappen",
            "Hulp bij boodschappen, een bankje, een bezoek in het ziekenhuis. Zonder vergadering "
            "gebeurt nu veel. Daar groeit het vertrouwen.",
            "Kleiner kijken en doen",
        ),
        (
            "samenkracht",
            "Terug naar voor bewoners als de druk stijgt",
            "Toen de gemeente om cijfers per kwartaal vroeg, nam de organisatie het in Voorst "
            "weer over. Elders schreven bewoners mee. Druk van buiten blijft de zwakke plek.",
            "De gemeente vraagt cijfers, wij vertellen verhalen",
        ),
        (
            "reisgezelschap",
            "Wie nieuw is, mist de reis",
            "Nieuwe beroepskrachten kennen de afspraken niet. Coalities willen een goede "
            "kennismaking, zodat niet alles opnieuw moet.",
            "Eén reisgezelschap: maak de onderstromen bespreekbaar",
        ),
    ],
}

VISIBILITY_CYCLE = [Visibility.QUOTABLE, Visibility.COALITION, Visibility.FACILITATORS]
RUNGS = list(CompassRating.Rung)


def _user(account: DemoAccount, *, superuser: bool = False):
    user, created = get_user_model().objects.get_or_create(
        username=account.username,
        defaults={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": f"{account.username}@pitstop.example",
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def build_demo() -> Expedition:
    """Create the demo expedition; running it again changes nothing."""
    users = {a.username: _user(a, superuser=a.username == "beheerder") for a in ACCOUNTS}
    expedition, _ = Expedition.objects.get_or_create(
        slug="expeditie-2026",
        defaults={
            "name": "Expeditie 2026: een ander samenspel",
            "description": "Vijf lokale coalities van bewoners en welzijnswerk leren samen "
            "onderweg. Niet het plan telt het meest, maar de reis.",
            "starts_on": datetime.date(2026, 1, 15),
            "ends_on": datetime.date(2027, 6, 30),
        },
    )
    expedition.facilitators.add(users["begeleider"])
    expedition.coordinators.add(users["coordinator"])
    themes = {theme.key: theme for theme in expedition.adopt_default_themes()}

    pitstop, _ = Pitstop.objects.get_or_create(
        expedition=expedition,
        number=1,
        defaults={
            "title": "Eerste pitstop: de rijke opbrengst van vijf sessies",
            "starts_on": datetime.date(2026, 3, 2),
            "ends_on": datetime.date(2026, 4, 15),
            "introduction": "Alle vijf coalities hebben hun eerste pitstop gehad. Iedereen "
            "zei dat de samenwerking beter is dan bij de start. Hieronder staan vijf dingen die "
            "ons als begeleidingsteam het meest raakten.",
            "plain_introduction": "Alle vijf coalities hadden hun eerste pitstop. Bijna "
            "iedereen zegt: we werken nu beter samen dan aan het begin. Wij zagen vijf dingen "
            "die vaak terugkwamen. Je leest ze hier. Bij elk ding staan woorden van leden zelf. "
            "Onderaan staat wat de coalities hebben afgesproken.",
            "report_published_at": datetime.datetime(2026, 4, 20, 10, 0, tzinfo=datetime.UTC),
        },
    )

    quotable_by_theme: dict[str, list[Reflection]] = {key: [] for key in themes}
    held: list[tuple[Coalition, list[Member]]] = []
    for index, data in enumerate(COALITIONS):
        coalition, _ = Coalition.objects.get_or_create(
            expedition=expedition,
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "place": data["place"],
                "residents_initiative": data["residents_initiative"],
                "welfare_organisation": data["welfare_organisation"],
                "plan_of_approach": data["plan"],
            },
        )
        members = []
        for position, (name, role, organisation) in enumerate(data["members"]):
            member, _ = Member.objects.get_or_create(
                coalition=coalition,
                name=name,
                defaults={
                    "role": role,
                    "organisation": organisation,
                    "email": f"{name.split()[0].lower()}.{data['slug']}@pitstop.example",
                    "consents_to_quotation": position % 3 != 2,
                },
            )
            members.append(member)
        if data["slug"] == "apeldoorn":
            _link(members[0], users["bewoner"])
            _link(members[1], users["beroepskracht"])

        session, _ = Session.objects.get_or_create(
            pitstop=pitstop,
            coalition=coalition,
            defaults={
                "held_on": datetime.date(2026, 3, 9) + datetime.timedelta(days=7 * index),
                "place": data["residents_initiative"],
                "phase": Session.Phase.CLOSE,
                "status": Session.Status.CLOSED,
            },
        )
        session.facilitators.add(users["begeleider"])
        session.attendees.add(*members)
        session.themes.add(*themes.values())

        _reflections(coalition, session, members, themes, index, quotable_by_theme)
        _agreements(coalition, session, members, index)
        _space(coalition, members)
        _compass(session, members, themes, data["slug"], 1)
        held.append((coalition, members))

    for position, (key, title, text) in enumerate(RED_THREADS, start=1):
        thread, created = RedThread.objects.get_or_create(
            pitstop=pitstop,
            title=title,
            defaults={"position": position, "text": text, "status": RedThread.Status.PUBLISHED},
        )
        if created:
            thread.themes.add(themes[key])
            thread.evidence.add(*quotable_by_theme[key][:3])

    # The team's synthesis is not done: one red thread still in review, for the workspace.
    in_review, created = RedThread.objects.get_or_create(
        pitstop=pitstop,
        title="Wie beslist wat telt?",
        defaults={
            "position": len(RED_THREADS) + 1,
            "status": RedThread.Status.IN_REVIEW,
            "text": "Een paar coalities merken dat de gemeente vooral **aantallen** vraagt. "
            "Bewoners vragen zich af of hun verhalen dan nog meetellen.\n\n"
            "- Wat vinden wij zelf een succes?\n- Wie mag dat zeggen?",
        },
    )
    if created:
        in_review.themes.add(themes["samenkracht"])
        in_review.evidence.add(
            *Reflection.objects.filter(
                session__pitstop=pitstop, kind=Reflection.Kind.UNDERCURRENT
            ).order_by("pk")[:2]
        )

    for number, title, starts_on, ends_on, published_at in LATER_PITSTOPS:
        later, _ = Pitstop.objects.get_or_create(
            expedition=expedition,
            number=number,
            defaults={
                "title": title,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "report_published_at": published_at,
            },
        )
        _later_round(later, held, themes, users["begeleider"])

    # The next round starts with Apeldoorn: a session ready to open and run live.
    upcoming, _ = Session.objects.get_or_create(
        pitstop=Pitstop.objects.get_or_create(
            expedition=expedition,
            number=UPCOMING_PITSTOP,
            defaults={"title": "Vierde pitstop", "starts_on": datetime.date(2027, 2, 1)},
        )[0],
        coalition=Coalition.objects.get(expedition=expedition, slug="apeldoorn"),
        defaults={"held_on": datetime.date(2027, 2, 3), "place": "Buurtkamer De Zonnewijzer"},
    )
    upcoming.facilitators.add(users["begeleider"])
    upcoming.themes.add(*themes.values())
    return expedition


def _link(member: Member, user) -> None:
    if member.user_id is None:
        member.user = user
        member.save(update_fields=["user"])


def _reflections(coalition, session, members, themes, index, quotable_by_theme) -> None:
    start = datetime.datetime.combine(session.held_on, datetime.time(19, 30))
    for line, member in zip(CHECK_IN_LINES, members, strict=False):
        Reflection.objects.get_or_create(
            coalition=coalition,
            session=session,
            text=line,
            defaults={
                "author": member,
                "kind": Kind.OBSERVATION,
                "created_at": _aware(start),
                "revealed_at": _aware(start),
            },
        )
    for theme_number, (key, theme) in enumerate(themes.items()):
        pool = REFLECTIONS.get(key, [])
        for offset in range(3):
            if not pool:
                break
            kind, text = pool[(index + offset * 2 + theme_number) % len(pool)]
            visibility = VISIBILITY_CYCLE[(index + offset + theme_number) % 3]
            anonymous = kind == Kind.UNDERCURRENT or (index + offset) % 4 == 0
            member = members[(theme_number * 3 + offset + index) % len(members)]
            reflection, _ = Reflection.objects.get_or_create(
                coalition=coalition,
                session=session,
                text=text,
                defaults={
                    "theme": theme,
                    "kind": kind,
                    "visibility": visibility,
                    "is_anonymous": anonymous,
                    "author": None if anonymous else member,
                    "author_role": member.role,
                    "created_at": _aware(
                        start + datetime.timedelta(minutes=10 + theme_number * 15)
                    ),
                    # The session is over: the facilitator showed the cards to the group.
                    "revealed_at": _aware(
                        start + datetime.timedelta(minutes=20 + theme_number * 15)
                    ),
                },
            )
            if reflection.visibility == Visibility.QUOTABLE:
                quotable_by_theme[key].append(reflection)


def _agreements(coalition, session, members, index) -> None:
    statuses = list(Agreement.Status)
    for number in range(3):
        what, outcome = AGREEMENTS[(index + number) % len(AGREEMENTS)]
        status = statuses[(index + number) % len(statuses)]
        Agreement.objects.get_or_create(
            coalition=coalition,
            what=what,
            defaults={
                "origin_session": session,
                # Leads alternate between residents and professionals: both lead follow-up.
                "lead": members[(number * 3 + index) % len(members)],
                "due_on": session.held_on + datetime.timedelta(days=30 + 45 * number),
                "status": status,
                "outcome": outcome if status == Agreement.Status.DONE else "",
            },
        )


def _space(coalition, members) -> None:
    """Small things, tamtam messages and one request for help."""
    now = timezone.now()
    for position, (kind, text, lead, joiners) in enumerate(SMALL_THINGS):
        thing, created = SmallThing.objects.get_or_create(
            coalition=coalition,
            text=text,
            defaults={
                "kind": kind,
                "lead": members[lead % len(members)],
                "added_by": members[lead % len(members)],
                "created_at": SMALL_THING_DATES[position]
                or now - datetime.timedelta(days=4 - position),
            },
        )
        if created:
            thing.joiners.add(*(members[j % len(members)] for j in joiners))
    for author, text, hours_ago in TAMTAM:
        first_names = [member.name.split()[0] for member in members]
        text = text.format(*first_names)
        post, created = TamtamPost.objects.get_or_create(
            coalition=coalition,
            text=text,
            defaults={
                "author": members[author],
                "created_at": now - datetime.timedelta(hours=hours_ago),
            },
        )
        if created:
            post.mentions.set(find_mentions(text, [m for m in members if m != members[author]]))
    agreement = (
        Agreement.objects.filter(coalition=coalition, lead__isnull=False)
        .pending()
        .order_by("pk")
        .first()
    )
    if agreement is not None and not agreement.help_requests.exists():
        HelpRequest.objects.create(
            agreement=agreement,
            asked_by=agreement.lead,
            note="Wie kan me helpen om een datum te prikken?",
        )


def upcoming_session() -> Session:
    """The session the demo keeps ready to open and run live: Apeldoorn's next one."""
    return Session.objects.get(pitstop__number=UPCOMING_PITSTOP, coalition__slug="apeldoorn")


def _compass(session, members, themes, slug: str, number: int) -> None:
    """Each member's scores and rung, around the coalition's place on its journey."""
    rungs, drift = JOURNEYS[slug]
    rng = random.Random(f"compass-{slug}-{number}")
    base = random.Random(f"compass-{slug}")  # the same start for every pitstop of a coalition
    starts = {key: base.randint(2, 3) for key in themes}
    moved = sum(drift[:number])
    for position, member in enumerate(members):
        # Most stand where the coalition stands; one in four a step lower, one in five higher.
        offset = -1 if position % 4 == 3 else 1 if position % 5 == 4 else 0
        rung = min(3, max(0, rungs[number - 1] + offset))
        rating, created = CompassRating.objects.get_or_create(
            session=session, member=member, defaults={"rung": RUNGS[rung]}
        )
        if created:
            CompassScore.objects.bulk_create(
                CompassScore(
                    rating=rating,
                    theme=theme,
                    score=min(5, max(1, starts[key] + moved + rng.choice((-1, 0, 0, 1)))),
                )
                for key, theme in themes.items()
            )


def _later_round(pitstop, held, themes, facilitator) -> None:
    """A later pitstop held by every coalition: a few cards each, agreements, the compass, and
    red threads that continue the earlier ones. A session made before is left as it is."""
    quotable: dict[str, list[Reflection]] = {key: [] for key in themes}
    for index, (coalition, members) in enumerate(held):
        session, created = Session.objects.get_or_create(
            pitstop=pitstop,
            coalition=coalition,
            defaults={
                "held_on": pitstop.starts_on + datetime.timedelta(days=7 * index + 7),
                "place": coalition.residents_initiative,
                "phase": Session.Phase.CLOSE,
                "status": Session.Status.CLOSED,
            },
        )
        if not created:
            continue
        session.facilitators.add(facilitator)
        session.attendees.add(*members)
        session.themes.add(*themes.values())
        lines = [
            (key, *LATER_REFLECTIONS[pitstop.number][key][(index + pitstop.number) % 2])
            for key in themes
        ]
        lines.append(("bewoners-aan-zet", *JOURNEY_MOMENTS[coalition.slug][pitstop.number]))
        start = datetime.datetime.combine(session.held_on, datetime.time(19, 30))
        for position, (key, kind, text) in enumerate(lines):
            member = members[(position * 2 + index) % len(members)]
            moment = _aware(start + datetime.timedelta(minutes=10 + position * 12))
            reflection = Reflection.objects.create(
                coalition=coalition,
                session=session,
                theme=themes[key],
                kind=kind,
                text=text,
                visibility=VISIBILITY_CYCLE[(index + position) % 2],  # quotable or coalition
                author=member,
                author_role=member.role,
                created_at=moment,
                revealed_at=moment,
            )
            if reflection.visibility == Visibility.QUOTABLE:
                quotable[key].append(reflection)
        _change_stories(session, members, start, index)
        for number, what in enumerate(LATER_AGREEMENTS[pitstop.number]):
            # Kept, or still under way; Voorst dropped its report with residents under pressure.
            if pitstop.number == 2:
                status = (
                    Agreement.Status.DROPPED
                    if coalition.slug == "voorst" and number == 1
                    else Agreement.Status.DONE
                )
            else:
                status = (Agreement.Status.UNDER_WAY, Agreement.Status.OPEN)[number]
            Agreement.objects.create(
                coalition=coalition,
                what=what,
                origin_session=session,
                lead=members[(number * 3 + index) % len(members)],
                due_on=session.held_on + datetime.timedelta(days=40 + 30 * number),
                status=status,
                outcome="Gedaan, en het werkte." if status == Agreement.Status.DONE else "",
            )
        _compass(session, members, themes, coalition.slug, pitstop.number)
    for position, (key, title, text, earlier) in enumerate(
        LATER_RED_THREADS[pitstop.number], start=1
    ):
        thread, created = RedThread.objects.get_or_create(
            pitstop=pitstop,
            title=title,
            defaults={
                "position": position,
                "text": text,
                "status": RedThread.Status.PUBLISHED,
                "continues": RedThread.objects.filter(
                    pitstop__expedition=pitstop.expedition,
                    pitstop__number__lt=pitstop.number,
                    title=earlier,
                ).first(),
            },
        )
        if created:
            thread.themes.add(themes[key])
            # Coalitions said the same words at times; a red thread quotes each only once.
            by_text = {}
            for reflection in quotable[key]:
                by_text.setdefault(reflection.text, reflection)
            thread.evidence.add(*list(by_text.values())[:3])


def _change_stories(session, members, start: datetime.datetime, index: int) -> None:
    """The round "Stories of change": two stories, the first chosen by the group (and quotable,
    so the report can tell it), the other shared with the coalition."""
    stories, why = CHANGE_STORIES[session.coalition.slug][session.pitstop.number]
    session.phases.insert(session.phases.index(Session.Phase.CHECK_IN) + 1, Session.Phase.CHANGE)
    told = []
    for position, text in enumerate(stories):
        moment = _aware(start + datetime.timedelta(minutes=5 + position))
        member = members[(position * 3 + index + 1) % len(members)]
        told.append(
            Reflection.objects.create(
                coalition=session.coalition,
                session=session,
                phase=Session.Phase.CHANGE,
                kind=Kind.SUCCESS if position == 0 else Kind.OBSERVATION,
                text=text,
                visibility=Visibility.QUOTABLE if position == 0 else Visibility.COALITION,
                author=member,
                author_role=member.role,
                created_at=moment,
                revealed_at=moment,
            )
        )
    session.chosen_story = told[0]
    session.chosen_story_why = why
    session.save(update_fields=["phases", "chosen_story", "chosen_story_why"])


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment)
