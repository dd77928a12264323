"""The app's own suggestion run over a round of 10,000 reflections, as the task worker runs it.

`cluster_10k_s` times the engine alone. Here the same 10,000 notes are reflections of the demo's
first round in a fresh database (production settings, SQLite), and `run_suggestions` does what
the worker does: read the round, encode it (in two processes) and keep the vectors a batch at a
time, cluster, and store the suggestions. A second run finds the vectors kept. Both are timed in
the `manage.py shell` process that runs them; memory is the peak of that process and of the
encoding helper it starts. The budget is the engine's: 30 s on the two-core machine.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .clustering import BUDGET_S, ROUND_SIZE
from .server import BenchmarkError, log, manage, production_environment

if TYPE_CHECKING:
    from .__main__ import Run


def peak_mb(pid: int | str = "self") -> float:
    """The largest resident size a process has had (Linux's VmHWM), in MB; 0 once it is gone.

    Not getrusage: its maximum is carried over a fork and an exec, so a child's would start at
    its parent's size.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def children() -> list[str]:
    """The ids of this process's children (the encoding helper)."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        try:
            found += (task / "children").read_text(encoding="ascii").split()
        except OSError:
            continue
    return found


def fill_and_run(count: int, out: str) -> None:
    """Add `count` reflections to the demo's first round, run suggestions on it twice, and write
    what was measured to `out` as JSON. Run inside the database with `manage.py shell -c`."""
    from pitstops.models import Pitstop, Reflection, SuggestionRun
    from pitstops.suggesting import open_suggestion_run, run_suggestions
    from pitstops.suggestions.quality import read_labelled

    from .clustering import LABELLED, synthetic_round

    pitstop = Pitstop.objects.get(expedition__slug="expeditie-2026", number=1)
    sessions = list(pitstop.sessions.select_related("coalition"))
    themes = {theme.key: theme for theme in pitstop.expedition.themes.all()}
    notes = synthetic_round(read_labelled(LABELLED), count)
    Reflection.objects.bulk_create(
        (
            Reflection(
                coalition=sessions[number % len(sessions)].coalition,
                session=sessions[number % len(sessions)],
                theme=themes.get(note.theme),
                visibility=Reflection.Visibility.QUOTABLE,
                is_anonymous=True,
                text=note.text,
            )
            for number, note in enumerate(notes)
        ),
        batch_size=2000,
    )
    facilitator = pitstop.expedition.facilitators.first()
    measured: dict[str, float] = {"helper_mb": 0.0}
    stop = threading.Event()

    def watch_helpers() -> None:  # polling: a helper lives for the seconds of one encoding
        while not stop.wait(0.1):
            for child in children():
                measured["helper_mb"] = max(measured["helper_mb"], peak_mb(child))

    watcher = threading.Thread(target=watch_helpers, daemon=True)
    watcher.start()
    for name in ("first", "kept"):
        run, _is_new = open_suggestion_run(pitstop=pitstop, user=facilitator)
        started, cpu_started = time.perf_counter(), time.process_time()
        run_suggestions(run.pk)
        measured[f"{name}_s"] = time.perf_counter() - started
        measured[f"{name}_cpu_s"] = time.process_time() - cpu_started
        run.refresh_from_db()
        if run.status != SuggestionRun.Status.DONE or not run.suggestions.exists():
            raise RuntimeError(f"the {name} run ended {run.status}: {run.error}")
        measured[f"{name}_suggestions"] = run.suggestions.count()
    stop.set()
    watcher.join()
    measured["own_mb"] = peak_mb()
    Path(out).write_text(json.dumps(measured), encoding="utf-8")


def suggestion_run(run: Run) -> None:
    with tempfile.TemporaryDirectory(prefix="pitstop-bench-") as tmp:
        workdir = Path(tmp)
        env = production_environment(workdir)
        out = workdir / "suggestion_run.json"
        code = (
            "from tests.benchmarks.suggestion_run import fill_and_run; "
            f"fill_and_run({ROUND_SIZE}, {str(out)!r})"
        )
        for command in (
            ["migrate", "--no-input"],
            ["seed_demo", "--in-production"],
            ["shell", "-c", code],
        ):
            manage(command, env)
        if not out.exists():
            raise BenchmarkError("the suggestion run wrote no figures")
        measured = json.loads(out.read_text(encoding="utf-8"))
    log(
        f"suggestion run over {ROUND_SIZE} reflections: first {measured['first_s']:.1f} s"
        f" ({measured['first_cpu_s']:.1f} CPU s in the main process,"
        f" {measured['first_suggestions']:.0f} suggestions), vectors kept"
        f" {measured['kept_s']:.1f} s; peak {measured['own_mb']:.0f} MB in the worker,"
        f" {measured['helper_mb']:.0f} MB in its encoding helper; budget {BUDGET_S:.0f} s"
    )
    run.report("suggest_run_10k_s", measured["first_s"], "s")
    run.report("suggest_run_10k_kept_s", measured["kept_s"], "s")
    run.report("suggest_run_10k_mb", measured["own_mb"] + measured["helper_mb"], "MB")
    if measured["first_s"] > BUDGET_S:
        log(f"suggest_run_10k_s is over the budget of {BUDGET_S:.0f} s: is the machine busy?")
