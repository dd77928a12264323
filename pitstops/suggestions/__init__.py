"""Suggested red threads, made locally: cluster a round's reflections and title each cluster.

`engine` is plain Python (no Django): `suggest(notes)` takes `Note(id, text, theme)` and returns
`Cluster(title, ids, themes)`. `quality` measures a method on a labelled set.
"""

from .engine import (
    DEFAULT_METHOD,
    EMBEDDINGS,
    METHODS,
    TFIDF,
    Cluster,
    Note,
    SuggestionError,
    cluster_labels,
    suggest,
)

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
