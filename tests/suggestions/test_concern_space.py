"""The concern space: learned from the tuning sets alone, shipped, and used for every round."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from pitstops.suggestions import Note, concern_space, rank_like

from .conftest import TUNING_SETS


def test_the_shipped_space_is_the_one_the_tuning_sets_teach(encoded_tuning_sets):
    """Fails when the space was learned from anything else (a held-out set, say), or when the
    tuning sets or the learning changed and nobody learned it again (README: the command)."""
    learned = concern_space.learn(list(encoded_tuning_sets.values()))
    shipped = concern_space.shipped()
    assert list(encoded_tuning_sets) == TUNING_SETS
    assert np.allclose(shipped.field_mean, learned.field_mean, atol=1e-4)
    # The directions up to sign and order among equals: compare what they span and weigh. Noise of
    # 1e-5 on every embedding (far more than another CPU's rounding) moves this by 4e-4; a space
    # learned without one tuning set, or with a held-out set too, by about 0.5.
    spans = shipped.projection @ shipped.projection.T
    assert np.linalg.norm(spans - learned.projection @ learned.projection.T) <= 1e-2 * (
        np.linalg.norm(spans)
    )


def test_a_handful_of_notes_is_not_pushed_apart_by_its_own_mean():
    """Seeds on young people and two candidates, both on young people too: both point the
    seeds' way. With only the four notes' own mean taken out, the seeds and the candidates lie
    on either side of it, and one candidate pointed away (0.11 and -0.02)."""
    seeds = [
        Note("s1", "De jongeren uit de wijk komen niet naar onze activiteiten."),
        Note("s2", "Hoe bereiken we de tieners die bij de voetbalkooi hangen?"),
    ]
    youth = [
        Note(1, "De jongerenwerker kent de jongens van het schoolplein goed."),
        Note(2, "De jongeren hebben geen plek in de wijk."),
    ]
    money = Note(3, "De subsidie van de gemeente is op, de koffie betalen we zelf.")
    assert all(closeness > 0.2 for _id, closeness in rank_like(youth, seeds))
    ranked = rank_like([*youth, money], seeds)
    assert ranked[-1][0] == 3 and ranked[-1][1] < 0


def test_a_space_being_tried_is_used_within_its_context_only():
    shipped = concern_space.shipped()
    other = concern_space.Space(
        field_mean=shipped.field_mean, projection=np.eye(512, dtype=np.float32)[:, :3]
    )
    embeddings = np.random.default_rng(0).normal(size=(5, 512)).astype(np.float32)
    with concern_space.trying(other):
        assert concern_space.points(embeddings).shape == (5, 3)
    assert concern_space.points(embeddings).shape == (5, concern_space.DIMENSIONS)


def test_the_command_learns_a_space_from_labelled_files(tmp_path):
    notes = tmp_path / "notes.jsonl"
    topics = ["geld", "jongeren", "ruimte"]
    lines = [
        {"id": n, "text": f"Notitie {n} over {topics[n % 3]}.", "theme": str(n % 2), "topic": t}
        for n, t in enumerate(topics[n % 3] for n in range(12))
    ]
    notes.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = tmp_path / "space.npz"
    call_command("learn_concern_space", str(notes), out=out, stdout=StringIO())
    with np.load(out) as stored:
        assert stored["projection"].shape == (512, concern_space.DIMENSIONS)
        assert stored["field_mean"].shape == (512,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1, "text": "Geen onderwerp", "theme": "a", "topic": null}\n', "no note"),
        ('{"id": 1, "text": \n', "Cannot read"),
        ('{"id": 1, "text": 7, "theme": "a", "topic": "geld"}\n', "is not a text"),
        ('{"text": "Geen id", "theme": "a", "topic": "geld"}\n', "Cannot read"),
    ],
)
def test_the_command_says_what_is_wrong_with_a_file(tmp_path, content, message):
    notes = tmp_path / "notes.jsonl"
    notes.write_text(content, encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("learn_concern_space", str(notes), out=tmp_path / "space.npz")
