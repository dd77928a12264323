"""The coalitions app's rows in the permission matrix."""

from tests.matrix import expect, logged_in

SPACE_VIEWERS = {"resident": 200, "professional": 200, "facilitator": 200, "superuser": 200}


def space(w, **extra):
    """The kwargs of the coalition's space, plus any object ids."""
    return {"expedition": w.expedition.slug, "slug": w.coalition.slug, **extra}


def space_objects(w):
    """Objects in the coalition's space, made once per World: a reflection of the resident's,
    a small action the professional leads, and an agreement."""
    if not hasattr(w, "space_objects"):
        from coalitions.models import SmallThing
        from coalitions.services import save_reflection
        from pitstops.authorship import new_writer_secret
        from pitstops.models import Agreement, Reflection

        reflection = save_reflection(
            reflection=Reflection(text="Mijn eigen woorden", theme=w.expedition.themes.first()),
            member=w.resident,
            writer_secret=new_writer_secret(),
        )
        thing = SmallThing.objects.create(
            coalition=w.coalition, text="Soep koken", lead=w.professional, added_by=w.professional
        )
        agreement = Agreement.objects.create(coalition=w.coalition, what="Samen koffie drinken")
        w.space_objects = {"reflection": reflection, "thing": thing, "agreement": agreement}
    return w.space_objects


CASES = [
    ("coalitions:account", lambda w: {}, logged_in(200)),
    ("coalitions:logout_everywhere", lambda w: {}, logged_in(405)),
    ("coalitions:my_data", lambda w: {}, logged_in(200)),
    ("coalitions:erase", lambda w: {}, logged_in(200)),
    (
        "coalitions:expedition",
        lambda w: {"slug": w.expedition.slug},
        logged_in(404, facilitator=200, coordinator=200, superuser=200),
    ),
    ("coalitions:coalition", space, logged_in(404, **SPACE_VIEWERS)),
    ("coalitions:tamtam", space, logged_in(404, **SPACE_VIEWERS)),
    ("coalitions:small_things", space, logged_in(404, **SPACE_VIEWERS)),
    (
        "coalitions:count_me_in",
        lambda w: space(w, pk=space_objects(w)["thing"].pk),
        logged_in(405),
    ),
    ("coalitions:agreements", space, logged_in(404, **SPACE_VIEWERS)),
    (
        "coalitions:agreement_edit",
        lambda w: space(w, pk=space_objects(w)["agreement"].pk),
        logged_in(404, **SPACE_VIEWERS),
    ),
    (
        "coalitions:agreement_help",
        lambda w: space(w, pk=space_objects(w)["agreement"].pk),
        logged_in(405),
    ),
    # Writing reflections takes a membership: facilitators read them elsewhere.
    ("coalitions:reflections", space, logged_in(404, resident=200, professional=200)),
    (
        "coalitions:reflection_edit",
        lambda w: space(w, pk=space_objects(w)["reflection"].pk),
        logged_in(404, resident=200),
    ),
    (
        "coalitions:reflection_withdraw",
        lambda w: space(w, pk=space_objects(w)["reflection"].pk),
        logged_in(405),
    ),
    # The reminder answer needs no log-in; without a valid link everyone gets the message page.
    ("coalitions:reminder_link", lambda w: {"token": "forged"}, expect(400)),
    ("coalitions:reminder_answer", lambda w: {}, expect(400)),
]
