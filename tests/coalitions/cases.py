"""The coalitions app's rows in the permission matrix."""

from tests.matrix import logged_in

CASES = [
    (
        "coalitions:expedition",
        lambda w: {"slug": w.expedition.slug},
        logged_in(404, facilitator=200, coordinator=200, superuser=200),
    ),
    (
        "coalitions:coalition",
        lambda w: {"expedition": w.expedition.slug, "slug": w.coalition.slug},
        logged_in(404, resident=200, professional=200, facilitator=200, superuser=200),
    ),
]
