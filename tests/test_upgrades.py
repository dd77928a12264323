"""Upgrades without losing a session (docs/upgrades.md).

A host upgrades by running `migrate` with the new release and then restarting the app servers
one at a time behind nginx. For a while the previous release's code runs on the new schema,
beside the new code. Two kinds of test keep that safe:

- **The rule** (`tests/migration_rules.py`): every migration added since the previous release
  (the commit in deploy/previous-release) only expands what that release uses. Read with
  Django's migration loader and graph; what breaks the rule fails here unless it is listed in
  `REVIEWED`, the one list of reviewed exceptions, with its reason.
- **The rolling upgrade** (`tests/rolling_upgrade.py`): the previous release's code, taken out
  of this repository's history, and this checkout's code run as two app servers on one database
  that this checkout's migrations made, and a live session runs through both over HTTP.

Both need the previous release's commit: in a shallow clone they fail under CI=true and skip
elsewhere, saying how to fetch the history.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
import uuid
from collections.abc import Sequence

import pytest
from django.conf import settings
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState

from tests.conftest import in_ci
from tests.migration_rules import (
    PREVIOUS_RELEASE_FILE,
    REPO_ROOT,
    HistoryMissing,
    Release,
    check_release,
    git,
    load_release,
    migrations_at,
    previous_release,
    project_apps,
    require_commit,
)
from tests.rolling_upgrade import Server, Upgrade, Visitor, find, rolling_upgrade

# Reviewed exceptions to the rule, the only place they are allowed: (app, migration, the
# operation as the rule names it) -> why the previous release can live with it, or what the
# host must do instead. A contract step (dropping what the previous release no longer uses)
# belongs here, with the release that stopped using it. An entry whose migration is part of the
# previous release by now, or that the rule no longer reports, fails the tests: take it out.
REVIEWED: dict[tuple[str, str, str], str] = {}


def previous_commit() -> str:
    """The previous release's full hash; a failure in CI (a skip elsewhere) without history."""
    try:
        return require_commit(previous_release())
    except HistoryMissing as missing:
        if in_ci():
            pytest.fail(str(missing))
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def previous() -> str:
    return previous_commit()


@pytest.fixture(scope="module")
def release(previous) -> Release:
    labels = project_apps()
    return load_release(MigrationLoader(None), migrations_at(previous, labels), labels)


# --- The previous release ------------------------------------------------------------------


def test_the_previous_release_is_an_earlier_commit_of_this_one(previous):
    assert previous_release() in PREVIOUS_RELEASE_FILE.read_text()
    ancestor = git("merge-base", "--is-ancestor", previous, "HEAD")
    assert ancestor.returncode == 0, (
        f"deploy/previous-release ({previous[:10]}) is not an ancestor of HEAD: it must name "
        "the commit (or tag) of main that the app servers run before this one"
    )


def test_the_previous_release_s_migrations_are_all_here_unchanged(previous):
    """A released migration is never edited or deleted: a database that applied it would not
    see the change. Change the schema with a new migration."""
    loader = MigrationLoader(None)
    squashed = {old for squash in loader.replacements.values() for old in squash.replaces}
    problems = []
    for label, path in project_apps().items():
        for _label, name in sorted(migrations_at(previous, {label: path})):
            file = f"{path}/migrations/{name}.py"
            released = git("show", f"{previous}:{file}").stdout
            here = REPO_ROOT / file
            if not here.exists():
                if (label, name) not in squashed:
                    problems.append(f"{file} was deleted (and no squashed migration replaces it)")
            elif here.read_text() != released:
                problems.append(f"{file} differs from the previous release's")
    assert not problems, "\n".join(problems)


# --- The rule, on this repository's migrations ----------------------------------------------


def test_migrations_since_the_previous_release_keep_it_working(release):
    findings = [
        finding for finding in check_release(release, connection) if finding.key not in REVIEWED
    ]
    assert not findings, (
        "These migrations break the previous release's code while it still runs during a "
        "rolling upgrade (docs/upgrades.md: expand now, contract a release later):\n"
        + "\n".join(f"- {finding}" for finding in findings)
        + "\nIf one is a reviewed contract step, list it in REVIEWED in tests/test_upgrades.py "
        "with its reason, keyed by " + ", ".join(repr(finding.key) for finding in findings)
    )


def test_every_reviewed_exception_is_still_needed_and_says_why(release):
    reported = {finding.key for finding in check_release(release, connection)}
    stale = [key for key in REVIEWED if key not in reported]
    assert not stale, (
        "REVIEWED lists what the rule no longer reports (the migration is part of the previous "
        f"release by now, or was fixed): take these out: {stale}"
    )
    assert all(len(reason.split()) >= 8 for reason in REVIEWED.values()), "say why, in words"


# --- The rule, on made-up migrations -------------------------------------------------------


def card_state() -> ProjectState:
    """A table the previous release has: `toy_card`."""
    state = ProjectState()
    state.add_model(
        ModelState(
            "toy",
            "Card",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("text", models.TextField()),
                ("place", models.CharField(max_length=20)),
                ("note", models.TextField(null=True)),
                ("version", models.IntegerField(db_default=0)),
                ("legacy", models.CharField(max_length=5, db_column="legacy_column")),
            ],
            {},
        )
    )
    return state


def judged(*operations: migrations.operations.base.Operation) -> list[str]:
    """What the rule reports for one new migration of these operations on `card_state`."""
    before = card_state()
    after = before.clone()
    for operation in operations:
        operation.state_forwards("toy", after)
    release = Release(before, [(("toy", "0002_change"), operations, before)], after)
    return [finding.operation for finding in check_release(release, connection)]


BREAKS = {
    "drop a column": [migrations.RemoveField("card", "place")],
    "rename a column": [migrations.RenameField("card", "place", "location")],
    "rename a table": [migrations.RenameModel("Card", "Note")],
    "drop a table": [migrations.DeleteModel("Card")],
    "move a table": [migrations.AlterModelTable("card", "cards")],
    "NOT NULL on a nullable column": [
        migrations.AlterField("card", "note", models.TextField(default=""))
    ],
    "shorter text": [migrations.AlterField("card", "place", models.CharField(max_length=10))],
    "another type": [migrations.AlterField("card", "place", models.IntegerField(default=0))],
    "the database default taken away": [
        migrations.AlterField("card", "version", models.IntegerField(default=0))
    ],
    "a NOT NULL column with only default=": [
        migrations.AddField("card", "score", models.IntegerField(default=0))
    ],
    "a unique NOT NULL column": [
        migrations.AddField(
            "card", "code", models.CharField(max_length=8, db_default="", unique=True)
        )
    ],
    "a new unique column value": [
        migrations.AlterField("card", "place", models.CharField(max_length=20, unique=True))
    ],
    "a new constraint": [
        migrations.AddConstraint(
            "card", models.UniqueConstraint(fields=["text"], name="card_text_once")
        )
    ],
    "raw SQL": [migrations.RunSQL("ALTER TABLE toy_card DROP COLUMN place")],
    "a drop only in the database": [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField("card", "place")]
        )
    ],
}

KEEPS = {
    "a new table": [
        migrations.CreateModel(
            "Photo",
            [("id", models.BigAutoField(primary_key=True)), ("size", models.IntegerField())],
        )
    ],
    "a nullable column": [migrations.AddField("card", "score", models.IntegerField(null=True))],
    "a column with db_default": [
        migrations.AddField("card", "score", models.IntegerField(db_default=0))
    ],
    "db_default given later in the same release": [
        migrations.AddField("card", "score", models.IntegerField(default=0)),
        migrations.AlterField("card", "score", models.IntegerField(db_default=0)),
    ],
    "a column of this release dropped again": [
        migrations.AddField("card", "score", models.IntegerField(null=True)),
        migrations.RemoveField("card", "score"),
    ],
    "longer text": [migrations.AlterField("card", "place", models.CharField(max_length=80))],
    "a rename that keeps the column": [
        migrations.RenameField("card", "legacy", "older"),
    ],
    "NOT NULL on a column of this release": [
        migrations.AddField("card", "score", models.IntegerField(null=True)),
        migrations.AlterField("card", "score", models.IntegerField(db_default=0)),
    ],
    "an index": [migrations.AddIndex("card", models.Index(fields=["place"], name="card_place"))],
    "a data migration": [migrations.RunPython(migrations.RunPython.noop)],
}


@pytest.mark.parametrize("case", BREAKS)
def test_the_rule_reports_what_breaks_the_previous_release(case):
    assert judged(*BREAKS[case]), f"{case} was not reported"


@pytest.mark.parametrize("case", KEEPS)
def test_the_rule_lets_through_what_the_previous_release_lives_with(case):
    assert judged(*KEEPS[case]) == []


# --- The rolling upgrade: a live session through both releases -----------------------------

SEE_WITHIN = 15.0  # seconds a phone keeps polling for cards (each server caches its state 2 s)


class Laptop:
    """The facilitator: logs in, opens the demo's prepared session, presses the buttons."""

    def __init__(self) -> None:
        self.visitor = Visitor("facilitator")
        self.session_id = 0

    def log_in(self, server: Server) -> None:
        self.visitor.get(server, "/inloggen/")
        answer = self.visitor.post(
            server, "/inloggen/", {"username": "begeleider", "password": "pitstop-demo"}
        )
        assert answer.status == 302, f"the facilitator could not log in on {server.name}"

    def open_session(self, server: Server) -> str:
        """The demo's upcoming session, opened; its join code."""
        page = self.visitor.get(server, "/expeditie/expeditie-2026/").text
        self.session_id = int(find(r".*/sessie/(\d+)/leiden/", page, "the session to run"))
        self.control(server, "open")
        return find(r'class="code">([A-Z0-9]+)<', self.run_page(server), "the join code")

    def run_page(self, server: Server) -> str:
        answer = self.visitor.get(server, f"/sessie/{self.session_id}/leiden/")
        assert answer.status == 200
        return answer.text

    def control(self, server: Server, action: str, **fields: str) -> None:
        answer = self.visitor.post(
            server, f"/sessie/{self.session_id}/bediening/", {"action": action, **fields}
        )
        assert answer.status == 302, f"{action} on {server.name}: HTTP {answer.status}"

    def add_agreement(self, server: Server, what: str) -> None:
        page = self.run_page(server)
        lead = find(r'<select name="lead".*?<option value="(\d+)"', page, "a lead to choose")
        due = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30)).isoformat()
        answer = self.visitor.post(
            server,
            f"/sessie/{self.session_id}/afspraak/",
            {"what": what, "lead": lead, "due_on": due},
        )
        assert answer.status == 302


class Phone:
    """A participant's phone, as session.js and htmx drive it: it polls with the version its
    page shows (X-Live-Version) and keeps what each answer brought."""

    def __init__(self, name: str) -> None:
        self.visitor = Visitor(name)
        self.session_id = 0
        self.poll_path = ""
        self.version = ""
        self.seen = ""  # every fragment and delta the polls brought

    def join(self, server: Server, code: str) -> None:
        self.visitor.get(server, "/doe-mee/")
        answer = self.visitor.post(server, "/doe-mee/", {"code": code})
        proof = find(r'name="proof" value="([^"]+)"', answer.text, "the join form's proof")
        answer = self.visitor.post(
            server, "/doe-mee/wie-ben-je/", {"proof": proof, "guest_name": self.visitor.name}
        )
        location = answer.headers.get("Location", "")
        self.session_id = int(find(r"/sessie/(\d+)/meedoen/", location, "the session's page"))
        self.page(server)

    def page(self, server: Server) -> str:
        """The whole page, as after joining or a new phase."""
        answer = self.visitor.get(server, f"/sessie/{self.session_id}/meedoen/")
        assert answer.status == 200, f"{self.visitor.name}'s page on {server.name}"
        self.poll_path = find(r'hx-get="(/sessie/\d+/meedoen/\?state=[^"]+)"', answer.text, "poll")
        self.version = find(r'data-live-version="(\d+)"', answer.text, "the page's version")
        self.seen += answer.text
        return answer.text

    def poll(self, server: Server) -> None:
        headers = {"HX-Request": "true", "X-Live-Version": self.version}
        answer = self.visitor.get(server, self.poll_path, **headers)
        if answer.status == 204 and answer.headers.get("HX-Refresh"):
            self.page(server)  # a new phase: htmx reloads the page
        elif answer.status == 200:  # a delta or the whole fragment: both carry their version
            if version := re.search(r'data-live-version="(\d+)"', answer.text):
                self.version = version.group(1)
            self.seen += answer.text
        else:
            assert answer.status == 304, f"poll on {server.name}: HTTP {answer.status}"

    def wait_to_see(self, servers: Sequence[Server], texts: Sequence[str]) -> None:
        """Poll every half second, in turn on each server, until every text came."""
        deadline = time.monotonic() + SEE_WITHIN
        turn = 0
        while not all(text in self.seen for text in texts):
            assert time.monotonic() < deadline, (
                f"{self.visitor.name} did not see {[t for t in texts if t not in self.seen]} "
                f"within {SEE_WITHIN:.0f} s; its requests: {self.visitor.history[-8:]}"
            )
            self.poll(servers[turn % len(servers)])
            turn += 1
            time.sleep(0.5)

    def write(self, server: Server, text: str) -> int:
        """A card, as session.js sends it; the id the server gives it."""
        page = self.page(server)
        select = re.search(r'<select name="theme".*?</select>', page, re.S)
        theme = select and re.search(r'<option value="(\d+)" selected', select.group(0))
        answer = self.visitor.post(
            server,
            f"/sessie/{self.session_id}/meedoen/kaart/",
            {
                "text": text,
                "kind": "observation",
                "visibility": "coalition",
                "theme": theme.group(1) if theme else "",
                "client_id": str(uuid.uuid4()),
            },
            Accept="application/json",
        )
        assert answer.status == 200, f"card on {server.name}: HTTP {answer.status} {answer.text}"
        stored = json.loads(answer.text)
        assert stored["ok"] and stored["created"], stored
        return stored["id"]

    def mark(self, server: Server, card: int) -> None:
        self.page(server)
        path = f"/sessie/{self.session_id}/meedoen/kaart/{card}/telt/"
        assert self.visitor.post(server, path, {}).status in (200, 302)

    def rate_compass(self, server: Server) -> None:
        page = self.page(server)
        themes = sorted(set(re.findall(r'name="(theme_\d+)"', page)))
        assert themes, f"no compass form on {self.visitor.name}'s page"
        rung = find(r'name="rung" value="([a-z_]+)"', page, "a rung of the ladder")
        data = dict.fromkeys(themes, "4") | {"rung": rung}
        answer = self.visitor.post(server, f"/sessie/{self.session_id}/meedoen/kompas/", data)
        assert answer.status == 302


@pytest.fixture(scope="module")
def upgrade(previous, request):
    redis_url = ""
    if url := os.environ.get("TEST_REDIS_URL", ""):
        import redis

        try:
            redis.Redis.from_url(url, socket_timeout=2).ping()
            redis_url = url
        except redis.RedisError as error:
            if in_ci():
                pytest.fail(f"Redis does not answer at TEST_REDIS_URL={url}: {error}")
    failed_before = request.session.testsfailed
    with rolling_upgrade(
        previous, database_settings=settings.DATABASES["default"], redis_url=redis_url
    ) as running:
        print("rolling upgrade: " + "; ".join(running.notes))
        yield running
        if request.session.testsfailed > failed_before:
            print(f"rolling upgrade: the servers' logs\n{running.logs()}")


def test_a_live_session_runs_on_through_a_rolling_upgrade(upgrade: Upgrade):
    """The facilitator opens a session on the previous release's code (the database already
    migrated by the new one); phones join and write, the cards are revealed and seen. Then a
    second app server runs the new code, and every step after that goes to either: each reads
    what the other wrote, until the session closes."""
    old, new = upgrade.old, upgrade.new
    laptop = Laptop()
    laptop.log_in(old)
    code = laptop.open_session(old)
    session = laptop.session_id

    # Only the previous release serves, on the new schema (after `migrate`, before a restart).
    anna, bram = Phone("Anna"), Phone("Bram")
    anna.join(old, code)
    anna.write(old, "Inchecken: goed, een beetje moe")
    laptop.control(old, "go_to", phase="reflect")
    first = ["Oude code: het buurthuis gaat dicht", "Oude code: de vrijwilligers zijn moe"]
    cards = [anna.write(old, text) for text in first]
    bram.join(old, code)
    assert not any(text in bram.page(old) for text in first), "shown before the reveal"
    run_page = laptop.run_page(old)
    assert all(text in run_page for text in first), "the facilitator sees every card"
    laptop.control(old, "reveal")
    bram.wait_to_see([old], first)

    # The rolling window: one server runs the new code; nginx sends each request to either.
    cem = Phone("Cem")
    cem.join(new, code)  # joined through the new code
    second = ["Nieuwe code: we willen een vaste plek", "Nieuwe code: tweede kaartje van Anna"]
    cards.append(cem.write(new, second[0]))
    # Anna's phone joined through the old code: its signed cookie works on the new code.
    cards.append(anna.write(new, second[1]))
    assert all(text in laptop.run_page(old) for text in second), "old code reads new rows"
    assert all(text in laptop.run_page(new) for text in first), "new code reads old rows"
    laptop.control(new, "reveal")
    bram.wait_to_see([old, new], second)
    cem.wait_to_see([old, new], first)

    laptop.control(old, "go_to", phase="share")
    laptop.control(new, "go_to", phase="resonance")
    bram.mark(old, cards[2])
    cem.mark(new, cards[0])
    anna.mark(old, cards[1])

    laptop.control(old, "go_to", phase="agreements")
    laptop.add_agreement(new, "Afspraak tijdens de upgrade: Cem belt de wethouder")
    laptop.control(new, "go_to", phase="compass")
    anna.rate_compass(old)
    cem.rate_compass(new)
    laptop.control(old, "close")

    texts = first + second
    for server in (old, new):
        summary = laptop.visitor.get(server, f"/sessie/{session}/samenvatting/")
        assert summary.status == 200
        missing = [text for text in texts if text not in summary.text]
        assert not missing, f"the summary on the {server.name} code lacks {missing}"
        assert "Cem belt de wethouder" in summary.text

    # What the database holds: every card once, every mark, the agreement, both compasses.
    query = upgrade.query
    stored = query(
        "SELECT text, count(*) FROM pitstops_reflection WHERE session_id = %s GROUP BY text",
        session,
    )
    assert sorted(count for _text, count in stored) == [1] * 5, stored
    assert {text for text, _count in stored} >= set(texts)
    marks = query(
        "SELECT count(*) FROM pitstops_resonancemark m JOIN pitstops_reflection r"
        " ON r.id = m.reflection_id WHERE r.session_id = %s",
        session,
    )
    assert marks == [(3,)]
    ratings = "SELECT count(*) FROM pitstops_compassrating WHERE session_id = %s"
    assert query(ratings, session) == [(2,)]
    assert query("SELECT status FROM pitstops_session WHERE id = %s", session) == [("closed",)]
    agreements = query("SELECT what FROM pitstops_agreement WHERE origin_session_id = %s", session)
    assert agreements == [("Afspraak tijdens de upgrade: Cem belt de wethouder",)]
    # Both codes really served: cards were posted to each.
    card_posts = f"POST /sessie/{session}/meedoen/kaart/ "
    assert old.requests(card_posts) and new.requests(card_posts)
