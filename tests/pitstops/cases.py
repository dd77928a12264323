"""The pitstops app's rows in the permission matrix."""

from tests.matrix import logged_in

CASES = [
    (
        "pitstops:report",
        lambda w: {"expedition": w.expedition.slug, "number": w.pitstop.number},
        logged_in(200, stranger=404),
    ),
    (
        "pitstops:report",
        lambda w: {"expedition": w.expedition.slug, "number": w.draft_pitstop.number},
        logged_in(404, facilitator=200, superuser=200),
    ),
]
