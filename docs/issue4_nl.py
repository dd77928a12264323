"""Dutch translations for issue 4 (the coalition's own space), to merge into locale/nl.

Plain Dutch (B1), short sentences, "je" form. `NL` maps msgid to msgstr; `NL_PLURAL` maps a
singular msgid to [singular, plural] msgstr. Plural msgids are in the comment next to each.
"""

NL = {
    "Nobody yet": "Nog niemand",
    "Theme": "Thema",
    "What kind of reflection is it?": "Wat voor reflectie is het?",
    "Your words": "Jouw woorden",
    "Who may read this?": "Wie mag dit lezen?",
    "Without my name": "Zonder mijn naam",
    "Nobody sees your name, not even the facilitators. You can still change or withdraw it "
    "yourself.": "Niemand ziet je naam, ook de begeleiders niet. Je kunt het zelf nog wel "
    "veranderen of intrekken.",
    "Words that may be quoted can appear in a report, always without a name.": "Woorden die "
    "geciteerd mogen worden, kunnen in een verslag komen. Altijd zonder naam.",
    "What is it?": "Wat is het?",
    "In one line": "In één zin",
    "Who leads it?": "Wie trekt het?",
    "Your message": "Jouw bericht",
    "Short and friendly. Type @ and a name to let someone know by e-mail.": "Kort en "
    "vriendelijk. Typ @ en een naam, dan krijgt die persoon een e-mail.",
    "Help is arranged": "Er is hulp geregeld",
    "Tick this when someone helps the lead. The request for help then closes.": "Vink dit aan "
    "als iemand de trekker helpt. De hulpvraag is dan klaar.",
    "What do we agree?": "Wat spreken we af?",
    "By when?": "Wanneer klaar?",
    "How far is it?": "Hoe ver is het?",
    "What came of it?": "Wat is eruit gekomen?",
    "Anything to add? (not required)": "Wil je iets toevoegen? (hoeft niet)",
    "What would help? (not required)": "Wat zou helpen? (hoeft niet)",
    "small action": "kleine actie",
    "small success": "klein succes",
    "added by": "toegevoegd door",
    "who joins": "wie doet mee",
    "small thing": "klein ding",
    "small things": "kleine dingen",
    "message": "bericht",
    "mentioned members": "genoemde leden",
    "tamtam message": "tamtambericht",
    "tamtam messages": "tamtamberichten",
    "due within a week": "binnen een week klaar",
    "not yet": "nog niet",
    "I need help": "Ik heb hulp nodig",
    "due date at the time": "datum op dat moment",
    "sent to": "gestuurd aan",
    "sent at": "gestuurd op",
    "answer": "antwoord",
    "answered at": "beantwoord op",
    "agreement reminder": "herinnering aan een afspraak",
    "agreement reminders": "herinneringen aan afspraken",
    "asked by": "gevraagd door",
    "what would help": "wat zou helpen",
    "asked at": "gevraagd op",
    "resolved at": "opgelost op",
    "request for help": "hulpvraag",
    "requests for help": "hulpvragen",
    "key of an anonymous author": "sleutel van een anonieme schrijver",
    "keys of anonymous authors": "sleutels van anonieme schrijvers",
    "This link has expired.": "Deze link is verlopen.",
    "This link is not valid.": "Deze link klopt niet.",
    "You already answered this reminder. Thank you!": "Je hebt deze herinnering al "
    "beantwoord. Dank je wel!",
    "This agreement is already finished. Thank you!": "Deze afspraak is al afgerond. Dank je wel!",
    "Reminder: %(what)s": "Herinnering: %(what)s",
    "%(name)s mentioned you on the tamtam": "%(name)s noemt je op de tamtam",
    "Hello %(name)s,": "Hallo %(name)s,",
    "%(author)s mentioned you on the tamtam of your coalition:": "%(author)s noemt je op de "
    "tamtam van je coalitie:",
    "Read it and answer here:": "Lees het en reageer hier:",
    "Greetings from Pitstop": "Groeten van Pitstop",
    "You lead an agreement of your coalition. Its date has passed:": "Jij trekt een afspraak "
    "van je coalitie. De datum is voorbij:",
    "You lead an agreement of your coalition. Its date is near:": "Jij trekt een afspraak van "
    "je coalitie. De datum komt dichtbij:",
    "By when": "Klaar op",
    "How is it going? Tap the link and choose: done, not yet, or I need help. You do not need "
    "to log in.": "Hoe gaat het? Tik op de link en kies: klaar, nog niet, of ik heb hulp nodig. "
    "Je hoeft niet in te loggen.",
    "Update an agreement": "Afspraak bijwerken",
    "A member": "Een lid",
    "%(name)s asked for help with this agreement.": "%(name)s vraagt hulp bij deze afspraak.",
    "Save": "Opslaan",
    "Back": "Terug",
    "Need a hand?": "Hulp nodig?",
    "Ask the coalition and the facilitators for help. They see it on the overview.": "Vraag "
    "de coalitie en de begeleiders om hulp. Zij zien het op het overzicht.",
    "What we agreed, who leads it and by when. At the next session we look back on this list "
    "together.": "Wat we afspraken, wie het trekt en wanneer het klaar is. In de volgende "
    "sessie kijken we samen naar deze lijst.",
    "To review at the next session": "Bespreken in de volgende sessie",
    "Overdue": "Te laat",
    "Nothing is overdue.": "Niets is te laat.",
    "Open and under way, still on time": "Open en bezig, nog op tijd",
    "Done or dropped since the session of %(date)s": "Klaar of gestopt sinds de sessie van "
    "%(date)s",
    "Done or dropped": "Klaar of gestopt",
    "Nothing yet.": "Nog niets.",
    "Add an agreement": "Afspraak toevoegen",
    "Add": "Toevoegen",
    "What is new: the tamtam": "Wat is er nieuw: de tamtam",
    "Our agreements": "Onze afspraken",
    "All agreements, and add one": "Alle afspraken, en een nieuwe toevoegen",
    "Our plan of small things": "Ons plan van kleine dingen",
    "Small actions, small successes and small failures. They all count.": "Kleine acties, "
    "kleine successen en kleine mislukkingen. Ze tellen allemaal mee.",
    "Our journey so far": "Onze reis tot nu toe",
    "Start of %(name)s": "Start van %(name)s",
    "Our session in %(pitstop)s": "Onze sessie in %(pitstop)s",
    "Report published: %(pitstop)s": "Verslag verschenen: %(pitstop)s",
    "Done: %(what)s": "Klaar: %(what)s",
    "Red threads that concern us": "Rode draden die over ons gaan",
    "Write a reflection": "Schrijf een reflectie",
    "Pages": "Pagina's",
    "Previous page": "Vorige pagina",
    "Page %(number)s of %(total)s": "Pagina %(number)s van %(total)s",
    "Next page": "Volgende pagina",
    "Our coalition": "Onze coalitie",
    "Overview": "Overzicht",
    "Tamtam": "Tamtam",
    "Small things": "Kleine dingen",
    "My reflections": "Mijn reflecties",
    "Post": "Plaatsen",
    "a former member": "een oud-lid",
    "for": "voor",
    "No messages yet. Say hello!": "Nog geen berichten. Zeg eens hallo!",
    "All messages": "Alle berichten",
    "Nobody leads a small thing yet.": "Nog niemand trekt een klein ding.",
    "Led by %(name)s": "Trekker: %(name)s",
    "Joining:": "Doen mee:",
    "Count me in": "Ik doe mee",
    "Nothing on the plan yet. What small thing will you do?": "Er staat nog niets op het "
    "plan. Welk klein ding ga jij doen?",
    "The whole plan": "Het hele plan",
    "was due on %(date)s": "moest klaar zijn op %(date)s",
    "by %(date)s": "klaar op %(date)s",
    "What came of it:": "Wat eruit kwam:",
    "The lead answered the reminder: %(answer)s (%(date)s)": "De trekker gaf antwoord op de "
    "herinnering: %(answer)s (%(date)s)",
    "Update": "Bijwerken",
    "Help asked": "Hulp gevraagd",
    "%(name)s asks for help with: %(what)s": "%(name)s vraagt hulp bij: %(what)s",
    "Change your reflection": "Je reflectie veranderen",
    "Withdraw": "Intrekken",
    "Withdrawn words are deleted for good, also from reports that quote them.": "Ingetrokken "
    "woorden zijn voorgoed weg. Ook uit verslagen die ze citeren.",
    "Withdraw this reflection": "Deze reflectie intrekken",
    "What do you notice? What went well, what went wrong, what is not said out loud? You "
    "decide who reads it.": "Wat valt je op? Wat ging goed, wat ging mis, wat zegt niemand "
    "hardop? Jij kiest wie het leest.",
    "What I wrote": "Wat ik schreef",
    "without my name": "zonder mijn naam",
    "Change": "Veranderen",
    "You have not written a reflection yet.": "Je hebt nog geen reflectie geschreven.",
    "Words you said without your name during a session are not listed here. Nobody can link "
    "them to you, so they cannot be changed.": "Woorden die je zonder naam in een sessie zei, "
    "staan hier niet. Niemand kan ze aan jou koppelen. Daarom kun je ze niet meer veranderen.",
    "How is your agreement going?": "Hoe gaat het met je afspraak?",
    "By %(date)s": "Klaar op %(date)s",
    "Done": "Klaar",
    "Not yet": "Nog niet",
    "This link does not work": "Deze link werkt niet",
    "You can also log in and update the agreement in your coalition.": "Je kunt ook inloggen "
    "en de afspraak bijwerken bij je coalitie.",
    "Thank you": "Dank je wel",
    "Thank you!": "Dank je wel!",
    "Well done. The agreement is marked as done.": "Goed gedaan. De afspraak staat nu op klaar.",
    "Your coalition and the facilitators now see that you would like help.": "Je coalitie en "
    "de begeleiders zien nu dat je graag hulp wilt.",
    "Noted. Good luck, and ask for help when you need it.": "Genoteerd. Succes! Vraag om hulp "
    "als je dat nodig hebt.",
    "Short news among us: an “oh yes” moment, a how-are-you, something from the street.": "Kort "
    "nieuws onder elkaar: een o ja-moment, een hoe gaat het, iets uit de straat.",
    "Messages": "Berichten",
    "The agreement is added.": "De afspraak is toegevoegd.",
    "The agreement is saved.": "De afspraak is opgeslagen.",
    "Your request for help is shared with the coalition.": "Je hulpvraag is gedeeld met de "
    "coalitie.",
    "Added to the plan.": "Staat op het plan.",
    "Please check the form.": "Kijk het formulier nog even na.",
    "You can join ideas of others, not your own or a story.": "Je kunt meedoen met ideeën van "
    "anderen. Niet met je eigen idee of met een verhaal.",
    "You joined: %(what)s": "Je doet mee: %(what)s",
    "You no longer join: %(what)s": "Je doet niet meer mee: %(what)s",
    "Thank you. Your reflection is saved.": "Dank je wel. Je reflectie is opgeslagen.",
    "Your changes are saved.": "Je wijzigingen zijn opgeslagen.",
    "Your reflection is withdrawn.": "Je reflectie is ingetrokken.",
    "Open the link in your e-mail again, please.": "Open de link in je e-mail nog een keer.",
    "Your message is on the tamtam.": "Je bericht staat op de tamtam.",
}

NL_PLURAL = {
    # plural: "The link works once and for %(days)s days."
    "The link works once and for %(days)s day.": [
        "De link werkt één keer en %(days)s dag lang.",
        "De link werkt één keer en %(days)s dagen lang.",
    ],
    # plural: "%(counter)s agreements are still open."
    "%(counter)s agreement is still open.": [
        "%(counter)s afspraak staat nog open.",
        "%(counter)s afspraken staan nog open.",
    ],
    # plural: "%(counter)s are overdue."
    "%(counter)s is overdue.": [
        "%(counter)s is te laat.",
        "%(counter)s zijn te laat.",
    ],
    # plural: "Residents lead %(residents)s of %(counter)s small things (%(percent)s)."
    "Residents lead %(residents)s of %(counter)s small thing (%(percent)s).": [
        "Bewoners trekken %(residents)s van %(counter)s klein ding (%(percent)s).",
        "Bewoners trekken %(residents)s van de %(counter)s kleine dingen (%(percent)s).",
    ],
}
