"""Run every benchmark and print one `BENCH <name> <value> <unit>` line per figure.

Figures are kept per run (`Run.figures`) so a later benchmark can state itself relative to the
trivial view measured minutes earlier on the same machine: absolute numbers differ between
laptops and CI runners, the ratio much less. Exits non-zero when a benchmark cannot produce a
trustworthy figure (the server does not start, too many requests fail).

A benchmark this machine cannot run (`BenchmarkSkipped`: live200 without nginx, say) is skipped,
and said so on one `bench: skipped <name>: <why>` line each, before the first benchmark starts
(for those `PRECHECKS` can tell) and again at the end. In CI (`CI=true`) a skip fails the run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .board_update import board_update
from .clustering import clustering
from .likeness import more_like_this
from .live import live_session
from .overview import overview_at_scale
from .scaleout import live200, live200_missing
from .server import (
    HEALTH_PATH,
    BenchmarkError,
    BenchmarkSkipped,
    check_error_rate,
    in_ci,
    load,
    log,
    print_bench,
    running_server,
)
from .suggestion_run import suggestion_run
from .synthesis import synthesis

# Two processes of four threads: on a two-core machine the clients share the CPUs with the
# server, and more clients would only queue in front of its eight worker threads.
CLIENT_PROCESSES = 2
CLIENT_THREADS = 4


@dataclass(frozen=True)
class Scale:
    """How long each load runs: `small` for a quick check, `full` for figures to keep."""

    warmup: float
    duration: float
    name: str = "small"


SCALES = {
    "small": Scale(warmup=1.0, duration=5.0),
    "full": Scale(warmup=2.0, duration=20.0, name="full"),
}


@dataclass
class Run:
    """What every benchmark receives: the scale, and the figures measured so far in this run."""

    scale: Scale
    figures: dict[str, float] = field(default_factory=dict)

    def report(self, name: str, value: float, unit: str, *, digits: int = 1) -> None:
        """Print a BENCH line and remember the figure for the benchmarks that follow.

        A figure is measured once a run: a second line of the same name would leave the reader
        to guess which one counts."""
        if name in self.figures:
            raise BenchmarkError(f"{name} is reported twice in one run")
        print_bench(name, value, unit, digits=digits)
        self.figures[name] = value


def trivial_view(run: Run) -> None:
    """Requests per second of the health view: the ceiling for every other view, and the baseline
    they are compared with, since it costs only the middleware stack and gunicorn itself."""
    with running_server() as base_url:
        result = load(
            base_url + HEALTH_PATH,
            warmup=run.scale.warmup,
            duration=run.scale.duration,
            processes=CLIENT_PROCESSES,
            threads=CLIENT_THREADS,
        )
    log(f"trivial_view: {result.summary()}")
    check_error_rate(result)
    run.report("trivial_view_rps", result.rps, "req/s")
    run.report("trivial_view_p95_ms", result.p95_ms, "ms")


# In order: later benchmarks may read the figures of earlier ones from `run.figures`.
BENCHMARKS: list[Callable[[Run], None]] = [
    trivial_view,
    live_session,
    board_update,
    synthesis,
    more_like_this,
    clustering,
    suggestion_run,
    overview_at_scale,
    live200,
]


# What a benchmark needs beyond this checkout, asked before anything runs: a reason, or None.
PRECHECKS: dict[str, Callable[[], str | None]] = {"live200": live200_missing}


def report_skipped(skipped: dict[str, str]) -> None:
    for name, reason in skipped.items():
        log(f"skipped {name}: {reason}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks in order; stop at the first failure, as later ones may rely on it."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument(
        "--only",
        choices=[benchmark.__name__ for benchmark in BENCHMARKS],
        help="run one benchmark (with the trivial view first, as its baseline)",
    )
    args = parser.parse_args(argv)
    benchmarks = BENCHMARKS
    if args.only:
        benchmarks = [b for b in BENCHMARKS if b.__name__ in ("trivial_view", args.only)]

    # Skips first, so nobody has to read to the end to learn that a figure will be missing.
    skipped: dict[str, str] = {}
    for benchmark in benchmarks:
        check = PRECHECKS.get(benchmark.__name__)
        if check and (reason := check()):
            skipped[benchmark.__name__] = reason
    report_skipped(skipped)

    run = Run(SCALES[args.scale])
    started = time.monotonic()
    ran = 0
    try:
        for benchmark in benchmarks:
            if benchmark.__name__ in skipped:
                continue
            try:
                benchmark(run)
            except BenchmarkSkipped as exc:
                skipped[benchmark.__name__] = str(exc)
                log(f"skipped {benchmark.__name__}: {exc}")
                continue
            except BenchmarkError as exc:
                log(f"FAILED {benchmark.__name__}: {exc}")
                return 1
            ran += 1
    finally:
        report_skipped(skipped)
    elapsed = time.monotonic() - started
    log(f"{ran} benchmark(s) at scale {args.scale} in {elapsed:.1f} s, {len(skipped)} skipped")
    if skipped and in_ci():
        log(f"FAILED: in CI no benchmark may be skipped ({', '.join(skipped)})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
