"""Sentence embeddings of reflections, encoded once and kept, so pages never wait for the encoder.

A suggestion run encodes the whole round anyway and keeps what it encoded; "more like this" then
reads 10,000 vectors from the database in a fraction of a second instead of encoding for
twenty. A vector is only used while the reflection's words are the ones it was made from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np
from django.db import IntegrityError, transaction

from .models import Pitstop, Reflection, ReflectionVector
from .suggestions.engine import Progress, embed

# Half precision: 1 kB a reflection, and cosines differ from full precision by < 0.001.
STORED_TYPE = np.float16
# Rows per query when reading or writing many vectors (SQLite's variable limit is 32,766).
BATCH = 2000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _kept(rows: Sequence[tuple[int, str]], *fields: str) -> Iterator[tuple]:
    """(reflection id, *fields) of each kept vector of these (reflection id, text) rows whose
    words are unchanged, read BATCH rows at a time."""
    wanted = {pk: digest(text) for pk, text in rows}
    ids = list(wanted)
    for start in range(0, len(ids), BATCH):
        for pk, stored_digest, *values in ReflectionVector.objects.filter(
            reflection_id__in=ids[start : start + BATCH]
        ).values_list("reflection_id", "digest", *fields):
            if stored_digest == wanted[pk]:
                yield pk, *values


def kept_vectors(rows: Sequence[tuple[int, str]]) -> dict[int, np.ndarray]:
    """The kept vectors of these (reflection id, text) rows, where the words are unchanged."""
    return {
        pk: np.frombuffer(bytes(vector), dtype=STORED_TYPE).astype(np.float32)
        for pk, vector in _kept(rows, "vector")
    }


def _encode(
    rows: Sequence[tuple[int, str]], progress: Progress | None = None
) -> dict[int, np.ndarray]:
    """Encode these rows and keep each batch's vectors as soon as it is encoded, so what is done
    stays kept if the worker stops halfway. A large call uses both cores (engine.embed)."""
    encoded: dict[int, np.ndarray] = {}

    def keep_batch(first: int, vectors: np.ndarray) -> None:
        batch = list(zip(rows[first : first + len(vectors)], vectors, strict=True))
        keep([(pk, digest(text), vector) for (pk, text), vector in batch])
        encoded.update((pk, vector) for (pk, _text), vector in batch)

    if rows:
        embed([text for _pk, text in rows], progress or _quiet, done=keep_batch)
    return encoded


def _quiet(percent: int) -> None:
    """No one follows the progress of this encoding."""


def _stack(rows: Sequence[tuple[int, str]], vectors: dict[int, np.ndarray]) -> np.ndarray:
    if not rows:
        return np.zeros((0, 512), dtype=np.float32)
    return np.vstack([vectors[pk] for pk, _text in rows])


def embeddings_for(rows: Sequence[tuple[int, str]], progress: Progress | None = None) -> np.ndarray:
    """A unit vector per (reflection id, text), in that order: kept ones read, others encoded
    and kept for next time. `progress` hears the percent done."""
    vectors = kept_vectors(rows)
    vectors.update(_encode([row for row in rows if row[0] not in vectors], progress))
    if progress is not None:
        progress(100)
    return _stack(rows, vectors)


def embeddings_within(
    rows: Sequence[tuple[int, str]], *, encode_at_most: int
) -> tuple[list[tuple[int, str]], np.ndarray, list[int]]:
    """Like embeddings_for, but encoding at most `encode_at_most` rows, the first ones first.

    Returns the rows that have a vector now, their vectors in that order, and the ids of the
    rows left without one: a page stays quick, and a task can keep the rest (keep_round).
    """
    vectors = kept_vectors(rows)
    missing = [row for row in rows if row[0] not in vectors]
    vectors.update(_encode(missing[:encode_at_most]))
    ready = [row for row in rows if row[0] in vectors]
    return ready, _stack(ready, vectors), [pk for pk, _text in missing[encode_at_most:]]


def keep_round(pitstop: Pitstop) -> None:
    """Encode and keep the vectors of a whole round that are not kept yet; each batch is kept
    as soon as it is encoded, so what is done stays kept even if the worker stops halfway."""
    rows = [
        (pk, text)
        for pk, text in Reflection.objects.of_round(pitstop)
        .exclude(text="")
        .order_by("pk")
        .values_list("pk", "text")
        if text.strip()
    ]
    # Only which vectors are kept is read, never the vectors themselves: none is needed here.
    kept = {pk for (pk,) in _kept(rows)}
    _encode([row for row in rows if row[0] not in kept])


def keep(vectors: Sequence[tuple[int, str, np.ndarray]]) -> None:
    """Store (reflection id, digest, vector), replacing what was kept for those reflections.

    A reflection deleted meanwhile is skipped: its vector must not outlive its words.
    """
    for start in range(0, len(vectors), BATCH):
        part = vectors[start : start + BATCH]
        try:
            with transaction.atomic():
                ReflectionVector.objects.filter(
                    reflection_id__in=[pk for pk, _digest, _vector in part]
                ).delete()
                ReflectionVector.objects.bulk_create(
                    ReflectionVector(
                        reflection_id=pk,
                        digest=text_digest,
                        vector=vector.astype(STORED_TYPE).tobytes(),
                    )
                    for pk, text_digest, vector in part
                )
        except IntegrityError:
            # A reflection of this batch was deleted, or another process stored it first:
            # the vectors are a cache, so the next page or run encodes again.
            continue
