"""More like this on a round of 10,000 reflections whose vectors are kept.

One server, the demo's facilitator: the list of one red thread with 10 quotes as evidence,
loaded as htmx loads it (the fragment), timed sequentially beside the trivial view on the same
server. The vectors are random unit vectors kept under each text's digest, so the page finds
every one and never encodes: what is timed is reading the round and ranking it. The budget is
1 s on the two-core machine.
"""

from __future__ import annotations

import re
import statistics
import time
from typing import TYPE_CHECKING

from .live import Browser
from .server import HEALTH_PATH, BenchmarkError, log, running_server
from .synthesis import ROUND, timed

if TYPE_CHECKING:
    from .__main__ import Run

COUNT = 10_000
EVIDENCE = 10
BUDGET_MS = 1000.0
THREAD_TITLE = "Meten: meer zoals dit"
# Sentences as members type them: many different words, so stemming costs what it costs.
WHO = [
    "De bewoners",
    "Onze vrijwilligers",
    "De welzijnswerker",
    "De jongeren uit de straat",
    "Een buurvrouw",
    "De wethouder",
    "Het team van de buurtkamer",
    "De ouderen van het flatgebouw",
    "De kartrekkers",
    "Iemand van de gemeente",
]
WHAT = [
    "willen meer zeggenschap over",
    "praten vaak over",
    "maken zich zorgen om",
    "zijn trots op",
    "hebben nog geen tijd gevonden voor",
    "vragen opnieuw naar",
    "organiseren samen",
    "lopen vast bij",
    "zien kansen in",
    "twijfelen over",
]
ABOUT = [
    "de koffieochtend op dinsdag",
    "de subsidie voor volgend jaar",
    "het schoonmaken van het speelveld",
    "de sleutel van het buurthuis",
    "een appgroep voor de hele straat",
    "de taallessen voor nieuwkomers",
    "het burendagfeest in september",
    "de overdracht naar een nieuwe collega",
    "de verlichting in het steegje",
    "de moestuin achter de school",
    "de kosten van de soep",
    "het vertrouwen tussen bewoners en professionals",
]
WHY = [
    "omdat niemand het regelt.",
    "want dat werkt goed.",
    "maar de afspraken zijn onduidelijk.",
    "zodat meer mensen meedoen.",
    "en dat kost veel energie.",
    "terwijl het eigenlijk klein begon.",
    "ook al zegt niet iedereen het hardop.",
    "dus we proberen het opnieuw.",
]


def sentence(number: int) -> str:
    # Coprime steps through each list: 10 x 10 x 12 x 8 different sentences before a repeat.
    return (
        f"{WHO[number % 10]} {WHAT[(number * 3) % 10]} {ABOUT[(number * 7) % 12]}"
        f" {WHY[(number * 5) % 8]} ({number})"
    )


def fill(count: int) -> None:
    """Add `count` reflections to the demo's first round, keep a random unit vector for every
    reflection of it, and write a red thread with EVIDENCE of them as quotes.

    Run inside the server's database with `manage.py shell -c`; bulk inserts keep it quick.
    """
    import numpy as np

    from pitstops.models import Pitstop, RedThread, Reflection
    from pitstops.vectors import digest, keep

    pitstop = Pitstop.objects.get(expedition__slug="expeditie-2026", number=1)
    sessions = list(pitstop.sessions.select_related("coalition"))
    themes = list(pitstop.expedition.themes.all())
    Reflection.objects.bulk_create(
        (
            Reflection(
                coalition=sessions[number % len(sessions)].coalition,
                session=sessions[number % len(sessions)],
                theme=themes[number % len(themes)],
                visibility=Reflection.Visibility.QUOTABLE,
                is_anonymous=True,
                text=sentence(number),
            )
            for number in range(count)
        ),
        batch_size=2000,
    )
    rows = list(Reflection.objects.of_round(pitstop).values_list("pk", "text"))
    chance = np.random.default_rng(7)
    vectors = chance.standard_normal((len(rows), 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keep([(pk, digest(text), vector) for (pk, text), vector in zip(rows, vectors, strict=True)])
    thread = RedThread.objects.create(pitstop=pitstop, title=THREAD_TITLE, text="", position=99)
    unused = Reflection.objects.of_round(pitstop).filter(red_threads=None).order_by("-pk")
    thread.evidence.add(*unused.values_list("pk", flat=True)[:EVIDENCE])


def thread_id(browser: Browser) -> int:
    status, _headers, page = browser.request("GET", f"{ROUND}/werkplaats/")
    found = re.search(rf'href="/rode-draad/(\d+)/" class="fw-semibold">{THREAD_TITLE}<', page)
    if status != 200 or not found:
        raise BenchmarkError(f"the benchmark's red thread is not in the workspace: HTTP {status}")
    return int(found.group(1))


def more_like_this(run: Run) -> None:
    fill_command = ["shell", "-c", f"from tests.benchmarks.likeness import fill; fill({COUNT})"]
    with running_server(setup=[["seed_demo", "--in-production"], fill_command]) as base_url:
        browser = Browser(base_url)
        browser.log_in_as_facilitator()
        fragment = f"/rode-draad/{thread_id(browser)}/meer-zoals-dit/"
        status, _headers, text = browser.request("GET", fragment, headers={"HX-Request": "true"})
        if status != 200 or text.count("Toevoegen als bewijs") + text.count("Add as evidence") < 5:
            raise BenchmarkError(f"the list is not shown: HTTP {status}\n{text[:500]}")
        trivial = timed(browser, HEALTH_PATH)
        like = timed_htmx(browser, fragment)
    log(
        f"more like this: {COUNT} reflections with kept vectors, {EVIDENCE} quotes; list"
        f" {like:.1f} ms, trivial view {trivial:.1f} ms (medians); budget {BUDGET_MS:.0f} ms"
    )
    run.report("like_10k_ms", like, "ms")
    run.report("like_trivial_view_ms", trivial, "ms")


def timed_htmx(browser: Browser, path: str, repeats: int = 9) -> float:
    """Median milliseconds of `repeats` sequential htmx GETs (after one to warm up)."""
    times = []
    for attempt in range(repeats + 1):
        started = time.perf_counter()
        status, _headers, _text = browser.request("GET", path, headers={"HX-Request": "true"})
        if status != 200:
            raise BenchmarkError(f"GET {path} answered HTTP {status}")
        if attempt:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
