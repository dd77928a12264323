"""A round's vectors: a large round is encoded on both cores, and kept batch by batch.

The real sentence encoder runs here, in a second process too; the sizes that switch it on are
made small so the test stays quick.
"""

from __future__ import annotations

import numpy as np
import pytest

from pitstops import vectors
from pitstops.models import Reflection, ReflectionVector
from pitstops.suggestions import engine

pytestmark = pytest.mark.django_db

WORDS = ["de buurt", "het geld", "de jongeren", "de gemeente", "het buurthuis", "de koffie"]


def test_a_large_round_is_encoded_in_two_processes_and_kept_as_each_batch_is_done(
    world, monkeypatch
):
    reflections = Reflection.objects.bulk_create(
        Reflection(
            coalition=world.coalition,
            session=world.session,
            text=f"Notitie {number}: {WORDS[number % 6]} en {WORDS[number % 5]}.",
        )
        for number in range(350)
    )
    rows = [(reflection.pk, reflection.text) for reflection in reflections]
    ReflectionVector.objects.all().delete()
    monkeypatch.setattr(engine, "EMBEDDING_BATCH", 100)
    alone = engine.embed([text for _pk, text in rows])  # one process, nothing kept

    monkeypatch.setattr(engine, "PARALLEL_FROM", 300)
    monkeypatch.setattr(engine, "_cores", lambda: 2)
    spawned = []
    real_pool = engine.ProcessPoolExecutor

    def counted_pool(*args, **kwargs):
        spawned.append(kwargs["mp_context"].get_start_method())
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(engine, "ProcessPoolExecutor", counted_pool)
    kept_at_once = []
    real_keep = vectors.keep

    def counted_keep(batch):
        kept_at_once.append(len(batch))
        real_keep(batch)

    monkeypatch.setattr(vectors, "keep", counted_keep)
    seen: list[int] = []
    together = vectors.embeddings_for(rows, seen.append)

    assert spawned == ["spawn"]
    assert np.array_equal(alone, together)  # the same vectors to the bit, in the same order
    assert sorted(kept_at_once) == [50, 100, 100, 100]  # each batch kept when it was done
    assert seen[-1] == 100 and seen == sorted(seen)

    # The next run reads them all back (half precision) and encodes nothing.
    monkeypatch.setattr(vectors, "embed", lambda *args, **kwargs: pytest.fail("encoded again"))
    again = vectors.embeddings_for(rows)
    assert np.allclose(again, together, atol=2e-3)


def test_keeping_a_round_encodes_only_what_is_not_kept_or_has_changed(world, monkeypatch):
    reflections = Reflection.objects.bulk_create(
        Reflection(coalition=world.coalition, session=world.session, text=f"{words} telt.")
        for words in WORDS
    )
    new = {reflections[4].pk, reflections[5].pk}
    round_rows = Reflection.objects.of_round(world.pitstop).values_list("pk", "text")
    vectors.embeddings_for([(pk, text) for pk, text in round_rows if pk not in new])
    changed = reflections[0]
    changed.text = "Het buurthuis gaat dicht."
    changed.save()
    encoded: list[str] = []
    real_embed = vectors.embed

    def counted_embed(texts, *args, **kwargs):
        encoded.extend(texts)
        return real_embed(texts, *args, **kwargs)

    monkeypatch.setattr(vectors, "embed", counted_embed)
    vectors.keep_round(world.pitstop)
    assert sorted(encoded) == sorted([changed.text, reflections[4].text, reflections[5].text])
    assert ReflectionVector.objects.filter(reflection__in=reflections).count() == 6
    encoded.clear()
    vectors.keep_round(world.pitstop)
    assert encoded == []
