"""Summary rows for the coordinators' overview: reflection counts kept up to date on write.

Counting a million reflections on every page view takes too long, so each coalition keeps one row
per pitstop, theme and author's role with the count. `count_reflection` adds one to a bucket or
takes one off, in one statement, as a reflection is written, moved or deleted: a room of phones
writing at once never waits for a recount. `refresh_reflection_tally` recounts one bucket (one
session's cards, or the coalition's space between pitstops) when it is not known where a
reflection was counted; `rebuild_reflection_tallies` recounts everything in one grouped INSERT
(the nightly `refresh_overview` command, and the data migration), which also puts right what
bulk writes passed by. The rows hold counts only: no words, no names.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from coalitions.models import Coalition

# Keys instead of foreign keys: 0 means "no pitstop" (written in the coalition's space) or
# "no theme", so one unique constraint covers every bucket on SQLite and PostgreSQL alike.
NONE = 0


class ReflectionTally(models.Model):
    """How many reflections one coalition wrote at one pitstop on one theme, per author's role."""

    coalition = models.ForeignKey(
        Coalition, verbose_name=_("coalition"), on_delete=models.CASCADE, related_name="+"
    )
    pitstop_key = models.PositiveIntegerField(_("pitstop"), default=NONE)
    theme_key = models.PositiveIntegerField(_("theme"), default=NONE)
    author_role = models.CharField(_("author's role"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("number of reflections"), default=0)

    class Meta:
        verbose_name = _("reflection count")
        verbose_name_plural = _("reflection counts")
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "pitstop_key", "theme_key", "author_role"],
                name="reflection_tally_unique_bucket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coalition_id}/{self.pitstop_key}/{self.theme_key}/{self.author_role}"


# One bucket's row: its pitstop is the session's (none when the session is gone) or NONE.
IN_SESSION = "(SELECT pitstop_id FROM pitstops_session WHERE id = %s)"
COUNT_ONE_MORE = """
INSERT INTO pitstops_reflectiontally (coalition_id, pitstop_key, theme_key, author_role, count)
SELECT %s, {pitstop}, %s, %s, 1 WHERE {pitstop} IS NOT NULL
ON CONFLICT (coalition_id, pitstop_key, theme_key, author_role)
DO UPDATE SET count = pitstops_reflectiontally.count + 1
"""
COUNT_ONE_LESS = """
UPDATE pitstops_reflectiontally SET count = count - 1
WHERE coalition_id = %s AND pitstop_key = {pitstop} AND theme_key = %s AND author_role = %s
AND count > 0
"""
DROP_EMPTY = """
DELETE FROM pitstops_reflectiontally
WHERE coalition_id = %s AND pitstop_key = {pitstop} AND theme_key = %s AND author_role = %s
AND count = 0
"""


def count_reflection(bucket: tuple, by: int) -> None:
    """Add one reflection to its bucket (`by` 1) or take one off (-1), in one statement each,
    so the bucket's row is locked only while it runs. `bucket` is Reflection.tally_bucket().
    A session that is gone has no bucket any more: nothing to count."""
    coalition_id, session_id, theme_id, author_role = bucket
    pitstop, at = ("%s", NONE) if session_id is None else (IN_SESSION, session_id)
    with connection.cursor() as cursor:
        if by > 0:
            cursor.execute(
                COUNT_ONE_MORE.format(pitstop=pitstop),
                [coalition_id, at, theme_id or NONE, author_role, at],
            )
            return
        params = [coalition_id, at, theme_id or NONE, author_role]
        with transaction.atomic():
            cursor.execute(COUNT_ONE_LESS.format(pitstop=pitstop), params)
            cursor.execute(DROP_EMPTY.format(pitstop=pitstop), params)


def refresh_reflection_tally(*, coalition_id: int, session_id: int | None) -> None:
    """Recount one bucket: the cards of one session, or the coalition's space between pitstops."""
    from .reflections import Reflection
    from .sessions import Session

    reflections = Reflection.objects.filter(coalition_id=coalition_id)
    pitstop_key = NONE
    if session_id is None:
        reflections = reflections.filter(session__isnull=True)
    else:
        reflections = reflections.filter(session_id=session_id)
        pitstop_key = (
            Session.objects.filter(pk=session_id).values_list("pitstop_id", flat=True).first()
        )
        if pitstop_key is None:  # the session is gone, and its cards with it
            return
    counts = {
        (row["theme_id"] or NONE, row["author_role"]): row["n"]
        for row in reflections.order_by().values("theme_id", "author_role").annotate(n=Count("pk"))
    }
    with transaction.atomic():
        bucket = ReflectionTally.objects.filter(coalition_id=coalition_id, pitstop_key=pitstop_key)
        stale = [
            pk
            for pk, theme_key, role in bucket.values_list("pk", "theme_key", "author_role")
            if (theme_key, role) not in counts
        ]
        if stale:
            ReflectionTally.objects.filter(pk__in=stale).delete()
        if counts:
            # An upsert: two writers recounting the same bucket never collide on the constraint.
            ReflectionTally.objects.bulk_create(
                [
                    ReflectionTally(
                        coalition_id=coalition_id,
                        pitstop_key=pitstop_key,
                        theme_key=theme_key,
                        author_role=role,
                        count=n,
                    )
                    for (theme_key, role), n in counts.items()
                ],
                update_conflicts=True,
                unique_fields=["coalition", "pitstop_key", "theme_key", "author_role"],
                update_fields=["count"],
            )


REBUILD_SQL = """
INSERT INTO pitstops_reflectiontally (coalition_id, pitstop_key, theme_key, author_role, count)
SELECT r.coalition_id, COALESCE(s.pitstop_id, 0), COALESCE(r.theme_id, 0), r.author_role, COUNT(*)
FROM pitstops_reflection r LEFT JOIN pitstops_session s ON s.id = r.session_id
{where}
GROUP BY r.coalition_id, COALESCE(s.pitstop_id, 0), COALESCE(r.theme_id, 0), r.author_role
"""


def rebuild_reflection_tallies(coalition_ids: Iterable[int] | None = None) -> None:
    """Recount every bucket (of the given coalitions) in one grouped INSERT."""
    ids = None if coalition_ids is None else [int(pk) for pk in coalition_ids]
    with transaction.atomic(), connection.cursor() as cursor:
        if ids is None:
            cursor.execute("DELETE FROM pitstops_reflectiontally")
            cursor.execute(REBUILD_SQL.format(where=""))
        elif ids:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"DELETE FROM pitstops_reflectiontally WHERE coalition_id IN ({marks})",  # noqa: S608
                ids,
            )
            cursor.execute(REBUILD_SQL.format(where=f"WHERE r.coalition_id IN ({marks})"), ids)
