"""Sentence embeddings of reflections, encoded once and kept, so pages never wait for the encoder.

A suggestion run encodes the whole round anyway and keeps what it encoded; "more like this" then
reads 10,000 vectors from the database in a fraction of a second instead of encoding for
twenty. A vector is only used while the reflection's words are the ones it was made from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from django.db import IntegrityError, transaction

from .models import ReflectionVector
from .suggestions.engine import embed

# Half precision: 1 kB a reflection, and cosines differ from full precision by < 0.001.
STORED_TYPE = np.float16
# Rows per query when reading or writing many vectors (SQLite's variable limit is 32,766).
BATCH = 2000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embeddings_for(rows: Sequence[tuple[int, str]], *, store: bool = True) -> np.ndarray:
    """A unit vector per (reflection id, text), in that order: kept ones read, others encoded.

    What is encoded here is kept for next time when `store` is true.
    """
    wanted = {pk: digest(text) for pk, text in rows}
    kept: dict[int, np.ndarray] = {}
    ids = list(wanted)
    for start in range(0, len(ids), BATCH):
        for pk, stored_digest, vector in ReflectionVector.objects.filter(
            reflection_id__in=ids[start : start + BATCH]
        ).values_list("reflection_id", "digest", "vector"):
            if stored_digest == wanted[pk]:
                kept[pk] = np.frombuffer(bytes(vector), dtype=STORED_TYPE).astype(np.float32)
    missing = [(pk, text) for pk, text in rows if pk not in kept]
    if missing:
        encoded = embed([text for _pk, text in missing])
        for (pk, _text), vector in zip(missing, encoded, strict=True):
            kept[pk] = vector
        if store:
            keep(
                [
                    (pk, wanted[pk], vector)
                    for (pk, _text), vector in zip(missing, encoded, strict=True)
                ]
            )
    if not rows:
        return np.zeros((0, 512), dtype=np.float32)
    return np.vstack([kept[pk] for pk, _text in rows])


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
