"""Rules that no other test pinned: each test here fails when its rule is broken in one line.

- more like this: a red thread's evidence that the user may not take as evidence (another
  expedition's) does not steer the list (likeness._evidence through evidence_candidates);
- more like this encodes at most likeness.ENCODE_INLINE (300) vectors in a request;
- a kept vector is only used while the reflection's words are the ones it was made from;
- a restore erases again both kinds of erasure log lines: accounts and withdrawn words.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from coalitions import erasures, privacy
from pitstops import vectors
from pitstops.models import Reflection, ReflectionVector
from pitstops.synthesis import likeness
from tests.factories import RedThreadFactory, ReflectionFactory

pytestmark = pytest.mark.django_db


def fake_embed(texts, progress=None, done=None) -> np.ndarray:
    """Unit vectors that depend on the words only: no encoder to load, and changed words give
    another vector. One batch, told to `done` as engine.embed tells it."""
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        row = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
        rows.append(row / np.linalg.norm(row))
    vectors = np.vstack(rows) if rows else np.zeros((0, 512), dtype=np.float32)
    if done is not None and rows:
        done(0, vectors)
    return vectors


def card(world, text: str) -> Reflection:
    return ReflectionFactory(coalition=world.coalition, session=world.session, text=text)


def test_evidence_of_another_expedition_does_not_steer_more_like_this(world, other_world):
    thread = RedThreadFactory(
        pitstop=world.pitstop,
        title="Jongeren doen niet mee",
        text="De tieners en jongeren uit de wijk komen niet naar onze activiteiten.",
    )
    # Slipped past add_evidence (old data, the admin): words of another expedition.
    foreign = ReflectionFactory(
        coalition=other_world.coalition,
        session=other_world.session,
        text="De subsidie van de gemeente is op en het budget voor de koffie ook.",
    )
    thread.evidence.add(foreign)
    youth = card(world, "De jongerenwerker kent de jongens en tieners van het schoolplein goed.")
    for text in (
        "De penningmeester wil elk bonnetje zien voor de declaratie bij de gemeente.",
        "Het budget voor volgend jaar is nog niet toegekend door de gemeente.",
        "De subsidie is op, de koffie betalen we zelf.",
    ):
        card(world, text)

    found = likeness.more_like_this(thread=thread, user=world.user("facilitator")).reflections
    # Without readable evidence the title and text are the seeds: young people, not money.
    assert found and found[0].pk == youth.pk
    assert foreign.pk not in {reflection.pk for reflection in found}


def test_more_like_this_encodes_at_most_300_vectors_in_a_request(world, monkeypatch):
    encoded: list[str] = []

    def counting_embed(texts, progress=None, done=None):
        encoded.extend(texts)
        return fake_embed(texts, progress, done)

    monkeypatch.setattr(vectors, "embed", counting_embed)
    thread = RedThreadFactory(pitstop=world.pitstop, title="Jongeren", text="")
    thread.evidence.add(card(world, "Jongeren in de wijk"), card(world, "Tieners op het plein"))
    ReflectionFactory.create_batch(301, coalition=world.coalition, session=world.session)
    ReflectionVector.objects.all().delete()

    found = likeness.more_like_this(thread=thread, user=world.user("facilitator"))
    assert len(encoded) == 300
    assert found.preparing > 0  # the rest is left to the task


def test_a_kept_vector_of_changed_words_is_not_used(world, monkeypatch):
    monkeypatch.setattr(vectors, "embed", fake_embed)
    reflection = card(world, "De eerste woorden op het kaartje.")
    ReflectionVector.objects.filter(reflection=reflection).delete()
    before = vectors.embeddings_for([(reflection.pk, reflection.text)])

    changed = "Heel andere woorden, later verbeterd."
    Reflection.objects.filter(pk=reflection.pk).update(text=changed)
    after = vectors.embeddings_for([(reflection.pk, changed)])

    assert np.allclose(after, fake_embed([changed]), atol=1e-2)
    assert not np.allclose(after, before, atol=1e-2)
    kept = ReflectionVector.objects.get(reflection=reflection)
    assert kept.digest == vectors.digest(changed)


def test_a_restore_erases_again_accounts_and_withdrawn_words(settings, tmp_path, world):
    settings.ERASURE_LOG = tmp_path / "erasures.jsonl"
    member = world.resident
    withdrawn = card(world, "Later ingetrokken.")
    # The log says so; the database (as a restored backup) still holds both.
    erasures.record_account(member.user_id, [member.pk], keep_words=True)
    erasures.record_reflections([withdrawn.pk])

    assert privacy.erase_again_since(None) == {
        "accounts_erased_again": 1,
        "reflections_deleted_again": 1,
    }
    member.refresh_from_db()
    assert member.erased_at is not None and member.user_id is None
    assert not Reflection.objects.filter(pk=withdrawn.pk).exists()
