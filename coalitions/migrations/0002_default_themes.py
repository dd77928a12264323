"""Ship the five discoveries of the first pitstop as the default themes, in Dutch and English."""

from django.db import migrations

THEMES = [
    {
        "key": "reisgezelschap",
        "name_nl": "Eén reisgezelschap",
        "name_en": "One travelling party",
        "summary_nl": (
            "Maak de onderstromen in de samenwerking bespreekbaar, en houd ze dat. Denk aan "
            "verwachtingen die niemand uitspreekt, oude ergernis over rollen, of wiens kennis telt."
        ),
        "summary_en": (
            "Make the undercurrents in the collaboration discussable, and keep them so: unspoken "
            "expectations, old irritation over roles, whose knowledge counts."
        ),
        "questions": [
            ("Wat zeggen we niet hardop tegen elkaar?", "What do we not say out loud to each other?"),
            ("Waar liep het stroef, en wat hielp toen?", "Where did things get stuck, and what helped?"),
            ("Wiens kennis telt hier het zwaarst? Klopt dat?", "Whose knowledge counts most here? Is that right?"),
        ],
    },
    {
        "key": "teamgeest",
        "name_nl": "De teamgeest",
        "name_en": "Team spirit",
        "summary_nl": (
            "Blijf in contact. Even aantikken, vragen hoe het gaat, horen wat er speelt via de tamtam."
        ),
        "summary_en": (
            "Stay in touch: a quick touch-base, asking how someone is, hearing what goes on "
            "through the grapevine."
        ),
        "questions": [
            ("Wanneer vroeg iemand jou voor het laatst hoe het met je gaat?", "When did someone last ask you how you are?"),
            ("Hoe hoor je wat er speelt bij de anderen?", "How do you hear what is going on with the others?"),
            ("Wie zie je weinig? Hoe kun je die even aantikken?", "Whom do you rarely see? How could you touch base?"),
        ],
    },
    {
        "key": "samenkracht",
        "name_nl": "Het kompas: samenkracht",
        "name_en": "The compass: shared strength",
        "summary_nl": (
            "Namens, voor, met of door bewoners: waar staan we? Bewaak de band als de gemeente of "
            "anderen duwen, stappen overslaan of alleen cijfers tellen."
        ),
        "summary_en": (
            "On behalf of, for, with or by residents: where do we stand? Guard the bond when the "
            "municipality or others push, skip steps or count only numbers."
        ),
        "questions": [
            ("Doen we dit namens, voor, met of door bewoners?", "Do we do this on behalf of, for, with or by residents?"),
            ("Wie bepaalt hier wat telt?", "Who decides here what counts?"),
            ("Wat doen we als iemand van buiten stappen overslaat?", "What do we do when someone from outside skips steps?"),
        ],
    },
    {
        "key": "klein",
        "name_nl": "Samen onderweg: kleiner kijken en doen",
        "name_en": "Travelling together: think and act small",
        "summary_nl": (
            "Een plan van kleine dingen: groeten, namen kennen, zien wie het zwaar heeft. Kleine "
            "successen tellen, kleine mislukkingen ook. Het ene idee brengt het andere."
        ),
        "summary_en": (
            "A plan of small things: greeting, knowing names, noticing who struggles. Small "
            "successes count, and so do small failures. One idea sets off the next."
        ),
        "questions": [
            ("Welk klein ding ging goed deze maand?", "Which small thing went well this month?"),
            ("Wat lukte niet, en wat leerden we daarvan?", "What did not work, and what did we learn?"),
            ("Wie zou je vaker bij naam willen groeten?", "Whom would you like to greet by name more often?"),
        ],
    },
    {
        "key": "bewoners-aan-zet",
        "name_nl": "Verdieping van het samenspel: bewoners aan zet",
        "name_en": "Deepening the interplay: residents in the lead",
        "summary_nl": (
            "Beroepskrachten zijn niet vanzelf beter. Zij sluiten aan bij het leven in de buurt en "
            "brengen mee wat zij kunnen. Zijn bewoners nog aan zet?"
        ),
        "summary_en": (
            "Professionals are not better by default. They join the neighbourhood's own life and "
            "bring what they can. Are residents still in the lead?"
        ),
        "questions": [
            ("Wie neemt hier de besluiten?", "Who makes the decisions here?"),
            ("Zijn bewoners de handen en voeten van een dienst, of de eigenaar?", "Are residents the hands and feet of a service, or its owners?"),
            ("Wat brengen beroepskrachten mee dat de buurt echt helpt?", "What do professionals bring that truly helps the neighbourhood?"),
        ],
    },
]


def add_default_themes(apps, schema_editor):
    Theme = apps.get_model("coalitions", "Theme")
    GuidingQuestion = apps.get_model("coalitions", "GuidingQuestion")
    for position, data in enumerate(THEMES, start=1):
        theme, _ = Theme.objects.update_or_create(
            expedition=None,
            key=data["key"],
            defaults={
                "position": position,
                **{field: data[field] for field in ("name_nl", "name_en", "summary_nl", "summary_en")},
            },
        )
        theme.questions.all().delete()
        GuidingQuestion.objects.bulk_create(
            GuidingQuestion(theme=theme, position=index, text_nl=nl, text_en=en)
            for index, (nl, en) in enumerate(data["questions"], start=1)
        )


def remove_default_themes(apps, schema_editor):
    apps.get_model("coalitions", "Theme").objects.filter(expedition=None).delete()


class Migration(migrations.Migration):
    dependencies = [("coalitions", "0001_initial")]

    operations = [migrations.RunPython(add_default_themes, remove_default_themes)]
