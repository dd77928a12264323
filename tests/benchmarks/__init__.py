"""Benchmarks for `make bench`: `python -m tests.benchmarks --scale small|full`.

Each prints `BENCH <name> <value> <unit>` lines on stdout; `server` holds the shared pieces.
"""
