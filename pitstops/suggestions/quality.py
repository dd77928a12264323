"""How well a method finds known topics: the adjusted Rand index on a labelled JSONL set."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from .engine import DEFAULT_MAX_CLUSTERS, Note, cluster_labels


@dataclass(frozen=True)
class LabelledNote:
    note: Note
    topic: str


def read_labelled(path: Path) -> list[LabelledNote]:
    """Lines of {"id", "text", "theme", "topic"}."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                data = json.loads(line)
                note = Note(id=data["id"], text=data["text"], theme=data.get("theme", ""))
                rows.append(LabelledNote(note=note, topic=data["topic"]))
    return rows


def adjusted_rand(
    labelled: Iterable[LabelledNote], method: str, max_clusters: int = DEFAULT_MAX_CLUSTERS
) -> float:
    """1.0 is the known topics exactly, about 0.0 is chance. A wordless note is its own cluster."""
    labelled = list(labelled)
    found = cluster_labels([row.note for row in labelled], method=method, max_clusters=max_clusters)
    # Distinct labels for the notes left out, so they never count as agreeing with each other.
    found = [label if label >= 0 else -1 - index for index, label in enumerate(found)]
    return float(adjusted_rand_score([row.topic for row in labelled], found))
