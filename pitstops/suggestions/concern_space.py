"""How sentence embeddings become points in which notes on one concern lie close.

The multilingual encoder reads much besides a note's concern: its tone and length, the guiding
question it answers, how a resident or a professional puts things. Within one concern those vary
as much as between two, and they drown the concern: the encoder alone groups the labelled sets
barely above chance. So before clustering or ranking, each embedding

1. loses the direction all reflections share (they are all about working together in a
   neighbourhood): the round's mean, pulled towards the field's mean (`FIELD_PRIOR`), so that
   a handful of notes is not pushed apart by its own mean;
2. loses its theme's imprint (`without_theme_imprint`): a red thread cuts across themes;
3. is projected on the directions in which topics differ (`Space.projection`): linear
   discriminant analysis over the project's labelled tuning sets finds where notes of one topic
   lie close and notes of different topics far apart. Notes on topics it never saw group better
   there too, as speaker verification learns what tells voices apart and then tells apart voices
   it never heard.

The space is learned once (`manage.py learn_concern_space`, see README) and shipped as
`concern_space.npz`. The held-out sets never feed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.preprocessing import normalize

SHIPPED = Path(__file__).with_name("concern_space.npz")
# Chosen on the tuning sets, each left out in turn while the others taught (mean over five
# seeds, see README): 20 to 40 directions were about even, 60 lost.
DIMENSIONS = 30
# The within-topic scatter of 512 dimensions is estimated from about 1,100 notes: it is pulled
# towards the identity by this multiple of its mean variance, or it would trust noise (1.0 and
# 10 lost against 3.0 on the left-out tuning sets).
SHRINKAGE = 3.0
# The field's mean counts as this many notes beside the round's own. In a round of 200 it hardly
# moves anything (clustering measured even); in four notes it keeps "more like this" from
# ranking two notes on young people below one on money only because the mean lies between them.
FIELD_PRIOR = 10.0
# A theme's mean counts the round's as this many notes more, so that a theme of two notes does
# not push them apart. Taking out each theme's imprint (before the projection), on the five
# tuning sets, mean of five seeds: ARI 0.256 → 0.292, F1 0.543 → 0.579; where a topic's notes
# crowd into one theme it cost nothing (0.294 → 0.313 half the time, 0.282 all the time).
THEME_PRIOR = 2.0


@dataclass(frozen=True)
class Space:
    """The field's mean sentence embedding (512) and the projection (512 by `DIMENSIONS`)."""

    field_mean: np.ndarray
    projection: np.ndarray

    def points(self, embeddings: np.ndarray, themes: Sequence[str] = ()) -> np.ndarray:
        """Unit points in the concern space (n by `DIMENSIONS`), centred as in `prepared`
        (the field's own mean here is zero)."""
        projected = prepared(embeddings, self.field_mean, themes) @ self.projection
        return normalize(projected - projected.sum(axis=0) / (len(projected) + FIELD_PRIOR))


def prepared(
    embeddings: np.ndarray, field_mean: np.ndarray, themes: Sequence[str] = ()
) -> np.ndarray:
    """Unit sentence embeddings without the shared direction and, given a theme per embedding,
    without each theme's imprint: what the projection is learned from and applied to."""
    mean = (embeddings.sum(axis=0) + FIELD_PRIOR * field_mean) / (len(embeddings) + FIELD_PRIOR)
    points = normalize(embeddings - mean)
    return without_theme_imprint(points, themes) if themes else points


def without_theme_imprint(points: np.ndarray, themes: Sequence[str]) -> np.ndarray:
    """The points with each theme's own direction taken out, so topics across themes meet.

    Every note answers its theme's guiding question, and the words of that question leave an
    imprint that all its answers share: notes on one theme look alike whatever their concern.
    A red thread cuts across themes, so each point loses its theme's mean (and gets the round's
    back). That mean counts the round's as `THEME_PRIOR` notes more, so that a theme of two
    notes does not push them apart. Without themes (or with one) nothing changes.
    """
    names, theme_of = np.unique(np.asarray(themes, dtype=str), return_inverse=True)
    if len(names) < 2:
        return points
    membership = np.zeros((len(points), len(names)), dtype=points.dtype)
    membership[np.arange(len(points)), theme_of] = 1
    overall = points.mean(axis=0)
    sizes = membership.sum(axis=0)[:, None]
    means = (membership.T @ points + THEME_PRIOR * overall) / (sizes + THEME_PRIOR)
    return normalize(points - membership @ means + overall)


def learn(labelled: Sequence[tuple[np.ndarray, Sequence[str], Sequence[str | None]]]) -> Space:
    """The space learned from labelled sets: per set, its notes' sentence embeddings, themes
    and topics (None: no topic). Topics are a set's own: two sets' "money" are two topics."""
    field_mean = np.vstack([embeddings for embeddings, _themes, _topics in labelled]).mean(axis=0)
    within: list[np.ndarray] = []
    every: list[np.ndarray] = []
    for embeddings, themes, topics in labelled:
        points = prepared(embeddings, field_mean, themes).astype(np.float64)
        every.append(points)
        names = np.asarray([topic or "" for topic in topics], dtype=object)
        for name in set(names) - {""}:
            members = points[names == name]
            within.append(members - members.mean(axis=0))
    spread = np.vstack(within)
    whole = np.vstack(every)
    whole -= whole.mean(axis=0)
    scatter_within = spread.T @ spread / len(spread)
    scatter_total = whole.T @ whole / len(whole)
    size = scatter_within.shape[0]
    shrunk = scatter_within + SHRINKAGE * np.trace(scatter_within) / size * np.eye(size)
    values, vectors = np.linalg.eigh(shrunk)
    whiten = vectors @ np.diag(values**-0.5) @ vectors.T
    values, vectors = np.linalg.eigh(whiten @ (scatter_total - scatter_within) @ whiten)
    strongest = np.argsort(-values)[:DIMENSIONS]
    return Space(
        field_mean=field_mean.astype(np.float32),
        projection=(whiten @ vectors[:, strongest]).astype(np.float32),
    )


def save(space: Space, path: Path) -> None:
    with path.open("wb") as file:
        np.savez(file, field_mean=space.field_mean, projection=space.projection)


@lru_cache(maxsize=1)
def shipped() -> Space:
    """The space learned from the tuning sets, as shipped with the app."""
    with np.load(SHIPPED) as stored:
        return Space(field_mean=stored["field_mean"], projection=stored["projection"])


# A space being measured instead of the shipped one (`trying`).
_tried: ContextVar[Space | None] = ContextVar("tried_concern_space", default=None)


@contextmanager
def trying(space: Space) -> Iterator[None]:
    """Use `space` instead of the shipped one, within this context only: to measure a tuning
    set with a space learned without it (the benchmarks' left-out figures)."""
    token = _tried.set(space)
    try:
        yield
    finally:
        _tried.reset(token)


def current() -> Space:
    """The space in use: the shipped one, unless one is being tried."""
    tried = _tried.get()
    return shipped() if tried is None else tried


def points(embeddings: np.ndarray, themes: Iterable[str] = ()) -> np.ndarray:
    """Sentence embeddings (n by 512) as unit points in the concern space in use."""
    return current().points(embeddings, list(themes))
