"""How well a method finds known topics on a labelled JSONL set, by three measures.

- the adjusted Rand index over all notes (1.0: the known topics exactly; about 0.0: chance);
- the mean best-match F1: for each known topic, the F1 of the found group that matches it best,
  averaged over the topics (what a facilitator sees: is each recurring topic one suggestion?);
- precision at 10 of "more like this": for seed notes of a topic, the share of the ten notes
  ranked closest that are of that topic too.

Notes without a topic (`"topic": null`) belong to no topic: each counts as a topic of its own in
the Rand index, and a method does best to leave them unassigned. The baseline `theme` groups the
notes by their theme field, as a facilitator sorting by discovery would.
"""

from __future__ import annotations

import json
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from .engine import DEFAULT_MAX_CLUSTERS, Note, OwnWords, cluster_labels, embed, rank_like

THEME_BASELINE = "theme"
LIKE_SEEDS = 3
LIKE_DEPTH = 10
# In `crowded`, the share of each topic's notes moved to that topic's own theme.
CROWDED_SHARE = 0.4


@dataclass(frozen=True)
class LabelledNote:
    note: Note
    topic: str | None


def read_labelled(path: Path) -> list[LabelledNote]:
    """Lines of {"id", "text", "theme", "topic"}; topic null for a note of no topic."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                data = json.loads(line)
                theme = data.get("theme")
                note = Note(
                    id=data["id"], text=data["text"], theme="" if theme is None else str(theme)
                )
                rows.append(LabelledNote(note=note, topic=data.get("topic")))
    return rows


def encoded(
    labelled: Sequence[LabelledNote],
) -> tuple[np.ndarray, list[str], list[str | None]]:
    """A labelled set as `concern_space.learn` reads it: its notes' sentence embeddings, themes
    and topics."""
    return (
        embed([row.note.text for row in labelled]),
        [row.note.theme for row in labelled],
        [row.topic for row in labelled],
    )


def crowded(
    labelled: Sequence[LabelledNote], share: float = CROWDED_SHARE, seed: int = 0
) -> list[LabelledNote]:
    """The same notes, with `share` of each topic's notes moved to one theme of that topic.

    The labelled sets spread each topic evenly over the themes; in a real round a concern often
    comes up under one theme more than others, and sorting by theme then finds part of it. This
    variant shows whether the default still beats that baseline when it is stronger.
    """
    rng = random.Random(seed)  # noqa: S311 - a repeatable variant, not a secret
    themes = sorted({row.note.theme for row in labelled})
    topics = sorted({row.topic for row in labelled if row.topic is not None})
    own = {topic: rng.choice(themes) for topic in topics}
    moved = []
    for row in labelled:
        if row.topic is not None and rng.random() < share:
            row = replace(row, note=replace(row.note, theme=own[row.topic]))
        moved.append(row)
    return moved


def found_labels(
    labelled: Sequence[LabelledNote],
    method: str,
    max_clusters: int = DEFAULT_MAX_CLUSTERS,
    own_words: OwnWords | None = None,
) -> list[int]:
    """The groups a method finds (-1: none); `theme` groups by the theme field."""
    if method == THEME_BASELINE:
        themes = sorted({row.note.theme for row in labelled})
        return [themes.index(row.note.theme) for row in labelled]
    return cluster_labels(
        [row.note for row in labelled],
        method=method,
        max_clusters=max_clusters,
        own_words=own_words,
    )


def adjusted_rand(labelled: Sequence[LabelledNote], found: Sequence[int]) -> float:
    """A note left unassigned, or of no topic, is a group of its own: it agrees with nothing."""
    truth = [row.topic if row.topic is not None else f"\0{i}" for i, row in enumerate(labelled)]
    groups = [label if label >= 0 else -1 - index for index, label in enumerate(found)]
    return float(adjusted_rand_score(truth, groups))


def best_match_f1(labelled: Sequence[LabelledNote], found: Sequence[int]) -> float:
    """Each known topic's best F1 against any found group, averaged over the topics."""
    topics: dict[str, set[int]] = {}
    groups: dict[int, set[int]] = {}
    for index, (row, label) in enumerate(zip(labelled, found, strict=True)):
        if row.topic is not None:
            topics.setdefault(row.topic, set()).add(index)
        if label >= 0:
            groups.setdefault(label, set()).add(index)
    if not topics:
        return 0.0
    total = 0.0
    for members in topics.values():
        total += max(
            (2 * len(members & group) / (len(members) + len(group)) for group in groups.values()),
            default=0.0,
        )
    return total / len(topics)


def like_precision(labelled: Sequence[LabelledNote], method: str, seed: int = 0) -> float:
    """Precision at 10 of "more like this", for 3 random seed notes of each topic."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable sample, not a secret
    by_topic: dict[str, list[LabelledNote]] = {}
    for row in labelled:
        if row.topic is not None:
            by_topic.setdefault(row.topic, []).append(row)
    topic_of: dict[Hashable, str | None] = {row.note.id: row.topic for row in labelled}
    hits = asked = 0
    for topic, rows in sorted(by_topic.items()):
        seeds = rng.sample(rows, min(LIKE_SEEDS, len(rows)))
        seed_ids = {row.note.id for row in seeds}
        candidates = [row.note for row in labelled if row.note.id not in seed_ids]
        ranked = rank_like(candidates, [row.note for row in seeds], method=method)
        top = [identifier for identifier, _score in ranked[:LIKE_DEPTH]]
        hits += sum(topic_of[identifier] == topic for identifier in top)
        asked += LIKE_DEPTH
    return hits / asked if asked else 0.0
