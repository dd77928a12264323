"""The benchmark harness itself: BENCH lines scripts can parse, a load generator that stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import tests.benchmarks.__main__ as bench
from tests.benchmarks import scaleout
from tests.benchmarks.server import Request, bench_line, load, print_bench


class CountingHandler(BaseHTTPRequestHandler):
    """Answers 200 on `/` and 404 elsewhere, over keep-alive, and counts what it served."""

    protocol_version = "HTTP/1.1"
    served = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            type(self).served += 1
        status = 200 if self.path == "/" else 404
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log on stderr."""


@pytest.fixture
def local_server() -> Iterator[str]:
    CountingHandler.served = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def every_other_missing(number: int) -> Request:
    """A request factory: module level, so it pickles into the client processes."""
    return Request(path="/" if number % 2 else "/weg")


def test_bench_line_has_four_fields_and_one_decimal(capsys):
    assert bench_line("trivial_view_rps", 1234.56, "req/s") == "BENCH trivial_view_rps 1234.6 req/s"
    assert bench_line("trivial_view_p95_ms", 3, "ms") == "BENCH trivial_view_p95_ms 3.0 ms"
    print_bench("ratio", 0.4567, "x", digits=2)
    assert capsys.readouterr().out == "BENCH ratio 0.46 x\n"


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [("two words", 1.0, "ms"), ("rps", 1.0, ""), ("rps", float("nan"), "req/s")],
)
def test_bench_line_refuses_what_would_break_parsing(name, value, unit):
    with pytest.raises(ValueError, match="BENCH"):
        bench_line(name, value, unit)


def test_load_counts_requests_and_stops_by_itself(local_server):
    started = time.monotonic()
    result = load(local_server + "/", duration=0.5, warmup=0.1, processes=1, threads=2)
    elapsed = time.monotonic() - started

    # 0.6 s of load plus spawning one client process; the margin holds on a busy machine.
    assert elapsed < 60
    assert result.clients == 2
    assert result.errors == 0
    assert result.requests > 0
    # Warm-up requests reach the server but are not counted.
    assert result.requests <= CountingHandler.served
    assert result.seconds == pytest.approx(0.5)
    assert result.rps == pytest.approx(result.requests / 0.5)
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms


def test_load_counts_error_responses_and_stops_at_max_requests(local_server):
    started = time.monotonic()
    result = load(
        local_server, every_other_missing, duration=300, processes=1, threads=2, max_requests=40
    )

    # The count bound, not the 300 s, ended it; the margin holds on a busy machine.
    assert time.monotonic() - started < 250
    assert result.requests == 40
    assert result.errors == 20
    assert result.error_kinds == {"HTTP 404": 20}
    assert result.error_rate == pytest.approx(0.5)


def test_load_sends_nothing_beyond_this_machine():
    with pytest.raises(ValueError, match="this machine"):
        load("http://example.org/", duration=1)


def test_a_figure_reported_twice_in_one_run_is_an_error(capsys):
    run = bench.Run(scale=bench.SCALES["small"])
    run.report("cluster_10k_s", 8.0, "s")
    with pytest.raises(bench.BenchmarkError, match="cluster_10k_s is reported twice"):
        run.report("cluster_10k_s", 9.0, "s")
    assert capsys.readouterr().out.count("BENCH cluster_10k_s") == 1


def fake_benchmarks(monkeypatch, calls: list[str]) -> None:
    """Three benchmarks in place of the real ones: one runs, one lacks nginx (seen beforehand), one
    finds out only while running that it cannot."""

    def trivial_view(run):
        calls.append("trivial_view")
        run.report("fake_rps", 1.0, "req/s")

    def live200(run):
        calls.append("live200")

    def late_skip(run):
        calls.append("late_skip")
        raise bench.BenchmarkSkipped("Redis does not answer at redis://127.0.0.1:6379/12")

    monkeypatch.setattr(bench, "BENCHMARKS", [trivial_view, live200, late_skip])
    monkeypatch.setattr(
        bench, "PRECHECKS", {"live200": lambda: "nginx is not installed (apt-get install nginx)"}
    )


NGINX_LINE = "bench: skipped live200: nginx is not installed (apt-get install nginx)"
REDIS_LINE = "bench: skipped late_skip: Redis does not answer at redis://127.0.0.1:6379/12"


def test_skipped_benchmarks_are_named_first_and_last_with_the_reason(monkeypatch, capsys):
    calls: list[str] = []
    fake_benchmarks(monkeypatch, calls)
    monkeypatch.delenv("CI", raising=False)

    assert bench.main([]) == 0

    assert calls == ["trivial_view", "late_skip"]  # live200 is not even started
    captured = capsys.readouterr()
    assert captured.out == "BENCH fake_rps 1.0 req/s\n"  # stdout stays BENCH lines only
    lines = captured.err.splitlines()
    assert lines[0] == NGINX_LINE  # before anything runs
    assert lines[-3:-1] == [NGINX_LINE, REDIS_LINE]  # and again at the end, one line each
    assert lines[-1].endswith("2 skipped")


@pytest.mark.parametrize(("ci", "code"), [("true", 1), ("1", 1), ("false", 0), ("", 0)])
def test_a_skip_fails_the_run_in_ci(monkeypatch, capsys, ci, code):
    fake_benchmarks(monkeypatch, [])
    monkeypatch.setenv("CI", ci)
    assert bench.main(["--only", "live200"]) == code
    err = capsys.readouterr().err
    assert err.startswith(NGINX_LINE + "\n")
    assert err.count(NGINX_LINE) == 2
    assert ("FAILED" in err) == bool(code)


def test_live200_says_what_is_missing_in_one_sentence_each(monkeypatch):
    monkeypatch.setattr(scaleout, "missing_services", lambda: ["nginx is not installed (x)"])
    assert scaleout.live200_missing() == "nginx is not installed (x)"
    with pytest.raises(bench.BenchmarkSkipped, match="nginx is not installed"):
        scaleout.live200(bench.Run(bench.SCALES["small"]))
    monkeypatch.setattr(scaleout, "missing_services", lambda: [])
    assert scaleout.live200_missing() is None
