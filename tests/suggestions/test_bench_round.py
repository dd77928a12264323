"""The round `make bench` clusters: 10,000 notes made from the labelled set, each said a bit
differently, so the benchmark does not cluster 100 copies of the same 96 sentences."""

from __future__ import annotations

from pitstops.suggestions.quality import read_labelled
from tests.benchmarks.clustering import LABELLED, synthetic_round


def test_the_synthetic_round_varies_the_labelled_notes():
    labelled = read_labelled(LABELLED)
    notes = synthetic_round(labelled, 1000)
    assert len(notes) == 1000 and len({note.id for note in notes}) == 1000
    assert len({note.text for note in notes}) > 900
    assert {note.theme for note in notes} == {row.note.theme for row in labelled}
    assert synthetic_round(labelled, 50) == synthetic_round(labelled, 50)  # the same every run
