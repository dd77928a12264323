"""The facilitator's run page after one new card, in a session of 50 cards and one of 1,000.

The run page polls every second and says which version it shows (X-Live-Version, as session.js
sends it); after a phone's card it gets a delta: that card, the header and the small sections.
Its time and size should not grow with the board (goal: 1,000 cards at most twice 50). One
server; two sessions of the demo's second round, opened in the reflect phase and filled inside
the server's database (`manage.py shell`). Per session a phone posts a card, then the
facilitator's poll is timed, again and again; medians. For comparison, the whole fragment of the
1,000-card session (what every change cost before) is timed a few times too.
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .live import Browser, Phone, percentile
from .server import BenchmarkError, log, running_server

if TYPE_CHECKING:
    from .__main__ import Run

SIZES = (50, 1000)
WARMUP = 5
REPEATS = 40
WHOLE_REPEATS = 3
VERSION = re.compile(r'data-live-version="(\d+)"')


def prepare(path: str) -> None:
    """Two open sessions in the reflect phase, with 50 and 1,000 cards over their themes; their
    ids and join codes go to `path` as JSON. Run inside the server's database."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from coalitions.demo import UPCOMING_PITSTOP
    from coalitions.models import Coalition, Member
    from pitstops.models import Pitstop, Reflection, Session

    pitstop = Pitstop.objects.get(expedition__slug="expeditie-2026", number=UPCOMING_PITSTOP)
    coalitions = Coalition.objects.filter(expedition=pitstop.expedition).exclude(
        sessions__pitstop=pitstop
    )
    facilitator = get_user_model().objects.get(username="begeleider")
    themes = list(pitstop.expedition.themes.all())
    prepared = {}
    for size, coalition in zip(SIZES, coalitions, strict=False):
        session = Session.objects.create(
            pitstop=pitstop, coalition=coalition, held_on=datetime.date(2027, 2, 10)
        )
        session.facilitators.add(facilitator)
        session.themes.add(*themes)
        session.open()
        session.go_to_phase(Session.Phase.REFLECT)
        now = timezone.now()
        Reflection.objects.bulk_create(
            Reflection(
                coalition=coalition,
                session=session,
                theme=themes[number % len(themes)],
                is_anonymous=True,
                author_role=list(Member.Role)[number % 2],
                text=f"Kaartje {number}: wat ons opviel in de buurt, en wat we samen willen "
                "proberen in de komende maanden.",
                phase=Session.Phase.REFLECT,
                revealed_at=now,
                created_at=now - datetime.timedelta(seconds=size - number),
                changed_at_version=session.version,
            )
            for number in range(size)
        )
        prepared[size] = {"id": session.pk, "code": session.join_code, "theme": themes[0].pk}
    if len(prepared) != len(SIZES):
        raise RuntimeError("the demo has too few coalitions without a session in round 2")
    Path(path).write_text(json.dumps(prepared))


def version_of(text: str) -> int:
    match = VERSION.search(text)
    if match is None:
        raise BenchmarkError("the run page's fragment says no version")
    return int(match.group(1))


class RunPage:
    """A session's run page as the facilitator's browser polls it, and a phone that writes."""

    def __init__(self, base_url: str, facilitator: Browser, session: dict) -> None:
        self.session = session
        self.facilitator = facilitator
        self.path = f"/sessie/{session['id']}/leiden/"
        self.phone = Phone(0, Browser(base_url), session["id"])
        self.phone.join(session["code"])
        status, _headers, text = facilitator.request(
            "GET", self.path, headers={"HX-Request": "true"}
        )
        if status != 200:
            raise BenchmarkError(f"the run page's fragment answered HTTP {status}")
        self.version = version_of(text)
        self.times: list[float] = []
        self.sizes: list[int] = []

    def card_then_poll(self, attempt: int, *, keep: bool) -> None:
        """A phone posts a card; the run page's next poll is timed, and must be its delta."""
        text = f"Een nieuw kaartje ({attempt})"
        status, _headers, _text = self.phone.browser.post(
            f"/sessie/{self.session['id']}/meedoen/kaart/",
            {
                "text": text,
                "kind": "observation",
                "visibility": "coalition",
                "theme": self.session["theme"],
                "client_id": str(uuid.uuid4()),
            },
            Accept="application/json",
        )
        if status != 200:
            raise BenchmarkError(f"the phone's card answered HTTP {status}")
        started = time.perf_counter()
        status, headers, delta = self.facilitator.request(
            "GET", self.path, headers={"HX-Request": "true", "X-Live-Version": str(self.version)}
        )
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200 or headers.get("X-Live-Delta") != "true":
            raise BenchmarkError(f"the poll after a card was no delta: HTTP {status}")
        if text not in delta:
            raise BenchmarkError("the delta after a card does not carry it")
        self.version = version_of(delta)
        if keep:
            self.times.append(elapsed)
            self.sizes.append(len(delta.encode()))

    def figures(self) -> dict[str, float]:
        return {
            "median_ms": statistics.median(self.times),
            "p95_ms": percentile(self.times, 0.95),
            "bytes": statistics.median(self.sizes),
        }


def whole_fragment(facilitator: Browser, session: dict) -> tuple[float, int]:
    """The whole fragment (no version sent), as every change cost before: median ms, bytes."""
    path = f"/sessie/{session['id']}/leiden/"
    times, size = [], 0
    for _ in range(WHOLE_REPEATS):
        started = time.perf_counter()
        status, _headers, text = facilitator.request("GET", path, headers={"HX-Request": "true"})
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise BenchmarkError(f"the whole fragment answered HTTP {status}")
        size = len(text.encode())
    return statistics.median(times), size


def board_update(run: Run) -> None:
    with tempfile.TemporaryDirectory(prefix="pitstop-bench-board-") as tmp:
        sessions_file = Path(tmp) / "sessions.json"
        prepare_command = [
            "shell",
            "-c",
            f"from tests.benchmarks.board_update import prepare; prepare({str(sessions_file)!r})",
        ]
        with running_server(setup=[["seed_demo", "--in-production"], prepare_command]) as base:
            sessions = {
                int(size): value for size, value in json.loads(sessions_file.read_text()).items()
            }
            facilitator = Browser(base)
            facilitator.log_in_as_facilitator()
            pages = {size: RunPage(base, facilitator, sessions[size]) for size in SIZES}
            # In turns, so both sizes see the same load from whatever else runs on the machine.
            for attempt in range(WARMUP + REPEATS):
                for page in pages.values():
                    page.card_then_poll(attempt, keep=attempt >= WARMUP)
            figures = {size: page.figures() for size, page in pages.items()}
            whole_ms, whole_bytes = whole_fragment(facilitator, sessions[SIZES[-1]])
    small, large = figures[SIZES[0]], figures[SIZES[-1]]
    for size, figure in figures.items():
        log(
            f"board update at {size} cards: median {figure['median_ms']:.1f} ms, "
            f"p95 {figure['p95_ms']:.1f} ms, {figure['bytes']:.0f} bytes ({REPEATS} polls)"
        )
    log(f"whole run-page fragment at {SIZES[-1]} cards: {whole_ms:.0f} ms, {whole_bytes} bytes")
    run.report("board_update_ms_50_cards", small["median_ms"], "ms")
    run.report("board_update_ms_1000_cards", large["median_ms"], "ms")
    run.report(
        "board_update_ratio_1000_vs_50", large["median_ms"] / small["median_ms"], "ratio", digits=2
    )
    run.report("board_update_bytes_50_cards", small["bytes"], "bytes", digits=0)
    run.report("board_update_bytes_1000_cards", large["bytes"], "bytes", digits=0)
    run.report("board_whole_fragment_ms_1000_cards", whole_ms, "ms")
    run.report("board_whole_fragment_bytes_1000_cards", whole_bytes, "bytes", digits=0)
