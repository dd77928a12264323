"""Data for the overview benchmark, built fast on PostgreSQL: INSERTs over generate_series.

One expedition per size, side by side in one database, so that both are measured on the same
server in the same run. Each has 200 coalitions and 6 pitstops (one session per coalition and
pitstop); only the data behind those rows grows: members, reflections, compass ratings,
agreements and small things. Run inside Django (`manage.py shell -c`), see overview.py.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

COALITIONS = 200
PITSTOPS = 6
PASSWORD = "bench-only-password"  # a throwaway database that lives for one run
COORDINATOR = "bench-coordinator"


@dataclass(frozen=True)
class Size:
    slug: str
    members: int
    reflections: int

    @property
    def follow_ups(self) -> int:
        """Agreements and small things: one of each per hundred reflections."""
        return max(self.reflections // 100, 1)


SIZES = {
    "small": Size("bench-small", members=20, reflections=10_000),
    "tenth": Size("bench-tenth", members=200, reflections=100_000),
    "full": Size("bench-full", members=2_000, reflections=1_000_000),
}


def build(*names: str) -> None:
    """Build one expedition per size name, and the coordinator who reads them all."""
    user_model = get_user_model()
    coordinator = user_model.objects.filter(username=COORDINATOR).first()
    if coordinator is None:
        coordinator = user_model.objects.create_user(COORDINATOR, password=PASSWORD)
    for name in names:
        started = time.monotonic()
        expedition = _build(SIZES[name])
        expedition.coordinators.add(coordinator)
        print(f"built {name} in {time.monotonic() - started:.1f} s", flush=True)


@transaction.atomic
def _build(size: Size):
    from coalitions.models import Coalition, Expedition, Member
    from pitstops.models import Pitstop, RedThread, Reflection, Session
    from pitstops.models.tallies import rebuild_reflection_tallies

    expedition = Expedition.objects.create(
        name=f"Benchmark {size.slug}", slug=size.slug, starts_on=datetime.date(2026, 1, 1)
    )
    themes = expedition.adopt_default_themes()
    coalitions = Coalition.objects.bulk_create(
        Coalition(
            expedition=expedition,
            name=f"Coalitie {index:03d}",
            slug=f"coalitie-{index:03d}",
            place="Ergens",
            residents_initiative="Bewonersinitiatief",
            welfare_organisation="Welzijnsorganisatie",
        )
        for index in range(COALITIONS)
    )
    pitstops = Pitstop.objects.bulk_create(
        Pitstop(
            expedition=expedition,
            number=number,
            title=f"Pitstop {number}",
            starts_on=datetime.date(2026, number, 1),
        )
        for number in range(1, PITSTOPS + 1)
    )
    Session.objects.bulk_create(
        Session(
            pitstop=pitstop,
            coalition=coalition,
            held_on=pitstop.starts_on,
            status=Session.Status.CLOSED,
        )
        for pitstop in pitstops
        for coalition in coalitions
    )
    # Members round-robin over the coalitions: a third of them professionals.
    Member.objects.bulk_create(
        Member(
            coalition=coalitions[index % COALITIONS],
            name=f"Lid {index}",
            role=Member.Role.PROFESSIONAL if index % 3 == 0 else Member.Role.RESIDENT,
        )
        for index in range(size.members)
    )
    per_coalition = max(size.members // COALITIONS, 1)
    pitstop_ids = [pitstop.pk for pitstop in pitstops]
    with connection.cursor() as cursor:
        run = cursor.execute
        run("DROP TABLE IF EXISTS bench_sessions, bench_members, bench_themes")
        run(
            """CREATE TEMP TABLE bench_sessions AS
               SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, coalition_id, pitstop_id
               FROM pitstops_session WHERE pitstop_id = ANY(%s)""",
            [pitstop_ids],
        )
        run(
            """CREATE TEMP TABLE bench_members AS
               SELECT (row_number() OVER (PARTITION BY coalition_id ORDER BY id)) - 1 AS k,
                      id, coalition_id, role
               FROM coalitions_member WHERE coalition_id = ANY(%s)""",
            [[coalition.pk for coalition in coalitions]],
        )
        run(
            """CREATE TEMP TABLE bench_themes AS
               SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id
               FROM coalitions_theme WHERE id = ANY(%s)""",
            [[theme.pk for theme in themes]],
        )
        run("CREATE INDEX ON bench_sessions (n)")
        run("CREATE INDEX ON bench_members (coalition_id, k)")
        run("ANALYZE bench_sessions")
        run("ANALYZE bench_members")
        sessions = COALITIONS * PITSTOPS
        # A tenth of the reflections are written in the space between pitstops; a seventh are
        # anonymous (no author); a quarter may be quoted.
        run(
            """INSERT INTO pitstops_reflection (coalition_id, session_id, theme_id, kind,
                   visibility, is_anonymous, author_id, author_role, text, author_seal, photo,
                   phase, is_held_back, revealed_at, created_at, updated_at)
               SELECT s.coalition_id, CASE WHEN g %% 10 = 0 THEN NULL ELSE s.id END, t.id,
                   'observation',
                   CASE g %% 4 WHEN 0 THEN 'quotable' WHEN 1 THEN 'facilitators'
                        ELSE 'coalition' END,
                   g %% 7 = 0,
                   CASE WHEN g %% 7 = 0 THEN NULL ELSE m.id END,
                   COALESCE(m.role, CASE WHEN g %% 3 = 0 THEN 'professional'
                                         ELSE 'resident' END),
                   'Reflectie ' || g, '', '', '', false,
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE now() END, now(), now()
               FROM generate_series(0, %s - 1) AS g
               JOIN bench_sessions s ON s.n = g %% %s
               JOIN bench_themes t ON t.n = (g / %s) %% 5
               LEFT JOIN bench_members m
                   ON m.coalition_id = s.coalition_id AND m.k = (g / %s) %% %s""",
            [size.reflections, sessions, sessions, sessions, per_coalition],
        )
        # Four in five members attend each session, and each one present fills in the compass.
        run(
            """INSERT INTO pitstops_session_attendees (session_id, member_id)
               SELECT s.id, m.id FROM bench_sessions s
               JOIN bench_members m ON m.coalition_id = s.coalition_id
               WHERE (m.k + s.n) %% 5 <> 4""",
            [],
        )
        run(
            """INSERT INTO pitstops_compassrating (session_id, member_id, rater_role, rung,
                   created_at)
               SELECT s.id, m.id, m.role,
                   (ARRAY['on_behalf_of', 'for', 'with', 'by'])[1 + (m.k + s.n) %% 4], now()
               FROM bench_sessions s
               JOIN bench_members m ON m.coalition_id = s.coalition_id
               WHERE (m.k + s.n) %% 5 <> 4""",
            [],
        )
        run(
            """INSERT INTO pitstops_compassscore (rating_id, theme_id, score)
               SELECT r.id, t.id, 1 + (r.id + t.n) %% 5
               FROM pitstops_compassrating r
               JOIN bench_sessions s ON s.id = r.session_id
               CROSS JOIN bench_themes t""",
            [],
        )
        run(
            """INSERT INTO pitstops_agreement (coalition_id, origin_session_id, what, lead_id,
                   due_on, status, outcome, created_at, updated_at)
               SELECT s.coalition_id, s.id, 'Afspraak ' || g, m.id,
                   current_date + (g %% 60 - 30),
                   (ARRAY['open', 'under_way', 'done', 'dropped'])[1 + g %% 4], '', now(), now()
               FROM generate_series(0, %s - 1) AS g
               JOIN bench_sessions s ON s.n = g %% %s
               LEFT JOIN bench_members m
                   ON m.coalition_id = s.coalition_id AND m.k = (g / %s) %% %s""",
            [size.follow_ups, sessions, sessions, per_coalition],
        )
        run(
            """INSERT INTO coalitions_smallthing (coalition_id, kind, text, lead_id, added_by_id,
                   created_at)
               SELECT s.coalition_id, 'action', 'Klein ding ' || g, m.id, m.id, now()
               FROM generate_series(0, %s - 1) AS g
               JOIN bench_sessions s ON s.n = g %% %s
               LEFT JOIN bench_members m
                   ON m.coalition_id = s.coalition_id AND m.k = (g / %s) %% %s""",
            [size.follow_ups, sessions, sessions, per_coalition],
        )
        run(
            """INSERT INTO coalitions_smallthing_joiners (smallthing_id, member_id)
               SELECT DISTINCT t.id, m.id FROM coalitions_smallthing t
               JOIN bench_members m ON m.coalition_id = t.coalition_id
               WHERE t.coalition_id = ANY(%s) AND m.id IS DISTINCT FROM t.lead_id
                 AND (m.k + t.id) %% 4 = 0""",
            [[coalition.pk for coalition in coalitions]],
        )
    rebuild_reflection_tallies(coalition.pk for coalition in coalitions)

    # Stories first: red threads on the last pitstop, each with quotes as evidence.
    latest = pitstops[-1]
    quotes = list(
        Reflection.objects.filter(
            session__pitstop=latest, visibility=Reflection.Visibility.QUOTABLE
        ).values_list("pk", flat=True)[:15]
    )
    for position in range(5):
        thread = RedThread.objects.create(
            pitstop=latest,
            position=position,
            title=f"Rode draad {position + 1}",
            text="Wat in veel coalities terugkwam.",
            status=RedThread.Status.PUBLISHED,
        )
        thread.themes.add(themes[position])
        thread.evidence.add(*quotes[position * 3 : position * 3 + 3])
    return expedition
