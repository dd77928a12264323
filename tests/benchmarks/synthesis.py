"""The synthesis workspace and the report's PDF on a round of 10,000 reflections (100,000 full).

One server, a facilitator's browser: the workspace page unfiltered, with combined filters and
with a search, each timed sequentially beside the trivial view on the same server; then the PDF
of the demo's published report. The data is made by `fill` inside the server's own database
(`manage.py shell`), after `seed_demo`.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

from .live import Browser
from .server import HEALTH_PATH, BenchmarkError, log, running_server

if TYPE_CHECKING:
    from .__main__ import Run

ROUND = "/expeditie/expeditie-2026/pitstop/1"
REFLECTIONS = {"small": 10_000, "full": 100_000}
REPEATS = 15
WORDS = [
    "samenwerking",
    "buurt",
    "bewoners",
    "gemeente",
    "vertrouwen",
    "koffie",
    "sleutel",
    "buurtkamer",
    "ruzie",
    "vrijwilliger",
    "plan",
    "subsidie",
    "wethouder",
    "tamtam",
    "jongeren",
    "ouderen",
    "contact",
    "samen",
    "klein",
    "succes",
]


def fill(count: int) -> None:
    """Add `count` reflections to the demo's first round, spread over its sessions, with marks.

    Run inside the server's database with `manage.py shell -c`; bulk inserts keep it quick.
    """
    import random

    from coalitions.models import Member
    from pitstops.models import Participant, Pitstop, Reflection, ResonanceMark

    chance = random.Random(12)
    pitstop = Pitstop.objects.get(expedition__slug="expeditie-2026", number=1)
    sessions = list(pitstop.sessions.select_related("coalition"))
    themes = list(pitstop.expedition.themes.all())
    kinds, visibilities = list(Reflection.Kind), list(Reflection.Visibility)
    roles = list(Member.Role)
    batch = []
    for number in range(count):
        session = sessions[number % len(sessions)]
        words = " ".join(chance.choice(WORDS) for _ in range(chance.randint(6, 24)))
        batch.append(
            Reflection(
                coalition=session.coalition,
                session=session,
                theme=themes[number % len(themes)],
                kind=kinds[number % len(kinds)],
                visibility=visibilities[(number // 7) % len(visibilities)],
                is_anonymous=True,
                author_role=roles[number % 2],
                text=f"{words.capitalize()} ({number}).",
            )
        )
    Reflection.objects.bulk_create(batch, batch_size=2000)
    participants = [
        Participant.objects.create(session=session, guest_name="Bench") for session in sessions
    ]
    marked = Reflection.objects.filter(session__pitstop=pitstop).values_list("pk", "session_id")
    by_session = {participant.session_id: participant for participant in participants}
    ResonanceMark.objects.bulk_create(
        (
            ResonanceMark(participant=by_session[session_id], reflection_id=pk)
            for pk, session_id in marked
            if pk % 5 == 0
        ),
        batch_size=2000,
    )


def timed(browser: Browser, path: str, repeats: int = REPEATS) -> float:
    """Median milliseconds of `repeats` sequential GETs (after one to warm up)."""
    times = []
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        status, _headers, _text = browser.request("GET", path)
        if status != 200:
            raise BenchmarkError(f"GET {path} answered HTTP {status}")
        if attempt:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def download(browser: Browser, path: str) -> tuple[int, str]:
    """GET a file (bytes, not text) with the browser's cookies; read it whole."""
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    browser.connection.request("GET", path, headers={"Cookie": cookie})
    response = browser.connection.getresponse()
    body = response.read()
    if not body:
        raise BenchmarkError(f"GET {path} sent nothing")
    return response.status, response.headers.get("Content-Type", "")


def synthesis(run: Run) -> None:
    # The scale's name. `python -m tests.benchmarks` runs __main__ as another module object than
    # this import, so its Scale class differs too: compare the values, not the objects.
    from .__main__ import SCALES

    wanted = (run.scale.warmup, run.scale.duration)
    scale = next(name for name, value in SCALES.items() if (value.warmup, value.duration) == wanted)
    count = REFLECTIONS[scale]
    fill_command = ["shell", "-c", f"from tests.benchmarks.synthesis import fill; fill({count})"]
    with running_server(setup=[["seed_demo", "--in-production"], fill_command]) as base_url:
        browser = Browser(base_url)
        browser.log_in_as_facilitator()
        workspace = f"{ROUND}/werkplaats/"
        status, _headers, page = browser.request("GET", workspace)
        if status != 200 or "werkplaats" not in page.lower():
            raise BenchmarkError(f"the facilitator cannot open the workspace: HTTP {status}")
        trivial = timed(browser, HEALTH_PATH)
        pages = [
            timed(browser, workspace),
            timed(browser, f"{workspace}?kind=question&visibility=quotable&min_marks=1&page=3"),
            timed(browser, f"{workspace}?q=samenwerking&unused=on"),
        ]
        pdf_seconds = []
        for _ in range(3):
            started = time.perf_counter()
            status, content_type = download(browser, f"{ROUND}/verslag.pdf")
            if status != 200 or content_type != "application/pdf":
                raise BenchmarkError(f"the report's PDF failed: HTTP {status}")
            pdf_seconds.append(time.perf_counter() - started)
    log(
        f"synthesis: {count} reflections; workspace {pages[0]:.1f} ms, filtered {pages[1]:.1f} ms,"
        f" search {pages[2]:.1f} ms; trivial view {trivial:.1f} ms (medians of {REPEATS})"
    )
    run.report("synthesis_reflections", count, "reflections", digits=0)
    run.report("synthesis_page_ms", statistics.median(pages), "ms")
    run.report("synthesis_search_ms", pages[2], "ms")
    run.report("synthesis_trivial_view_ms", trivial, "ms")
    run.report("report_pdf_s", statistics.median(pdf_seconds), "s", digits=2)
