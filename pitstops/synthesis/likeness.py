"""More like this: the round's unused reflections closest to what a red thread already holds.

The team's own choice of evidence is the best description of a red thread, so its evidence are
the seeds; a thread without evidence is described by its title and text. Only words nobody
used yet are offered: a reflection already under a red thread of this round needs no finding.

Pages never wait for the encoder when the round's vectors are kept (pitstops.vectors): 10,000
reflections are read as (id, text) pairs and raw vectors, without a model object per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..models import RedThread, Reflection
from ..suggestions.engine import Note, embed, rank_like
from ..vectors import embeddings_for
from .services import evidence_candidates
from .workspace import Filters, page_rows


def _unused_in_round(*, thread: RedThread, user: Any) -> list[tuple[int, str]]:
    """(id, text) of the round's readable reflections that no red thread of it uses yet."""
    pitstop = thread.pitstop
    used = RedThread.evidence.through.objects.filter(redthread__pitstop_id=pitstop.pk).values(
        "reflection_id"
    )
    rows = (
        evidence_candidates(thread=thread, user=user)
        .of_round(pitstop)
        .exclude(pk__in=used)
        .exclude(text="")
        .order_by("pk")
        .values_list("pk", "text")
    )
    return [(pk, text) for pk, text in rows if text.strip()]


def _evidence(*, thread: RedThread, user: Any) -> list[tuple[int, str]]:
    # Through evidence_candidates too: a seed the user could not read must not steer the list.
    rows = (
        evidence_candidates(thread=thread, user=user)
        .filter(red_threads=thread)
        .exclude(text="")
        .order_by("pk")
        .values_list("pk", "text")
    )
    return [(pk, text) for pk, text in rows if text.strip()]


def more_like_this(*, thread: RedThread, user: Any, limit: int = 10) -> list[Reflection]:
    """Up to `limit` unused reflections of the thread's round, closest first.

    Each carries `closeness` (the cosine, above 0) and what the workspace shows of a reflection
    (coalition, theme, marks; never a name for anonymous words: the rows are the workspace's).
    """
    candidates = _unused_in_round(thread=thread, user=user)
    if not candidates:
        return []
    evidence = _evidence(thread=thread, user=user)
    if evidence:
        seeds = [Note(pk, text, None) for pk, text in evidence]
        embedded = embeddings_for(candidates + evidence)
    else:
        description = "\n".join(part for part in (thread.title, thread.text) if part.strip())
        if not description:
            return []
        seeds = [Note(None, description, None)]
        # Not a reflection, so nothing to keep: encoded on the spot, one short text.
        embedded = np.vstack([embeddings_for(candidates), embed([description])])
    notes = [Note(pk, text, None) for pk, text in candidates]
    ranked = rank_like(notes, seeds, embedded=embedded)
    # Only what points the same way as the seeds: the rest is not "like this" at all.
    closest = [(pk, score) for pk, score in ranked if score > 0][:limit]
    closeness = dict(closest)
    rows = page_rows([pk for pk, _score in closest], Filters())
    for row in rows:
        row.closeness = closeness[row.pk]
    return rows
