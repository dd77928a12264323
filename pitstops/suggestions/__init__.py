"""Suggested red threads, made locally: cluster a round's reflections and title each cluster.

`engine` is plain Python (no Django): `suggest(notes)` takes `Note(id, text, theme)` and returns
`Cluster(title, ids, themes, why)`; `rank_like(candidates, seeds)` ranks notes by closeness to a
red thread's evidence. `concepts` holds the field's vocabulary, `quality` measures a method on
a labelled set.
"""

from .engine import (
    COMBINED,
    DEFAULT_METHOD,
    EMBEDDINGS,
    METHODS,
    TFIDF,
    Cluster,
    Note,
    SuggestionError,
    cluster_labels,
    rank_like,
    suggest,
)

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
    "suggest",
]
