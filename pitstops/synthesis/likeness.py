"""More like this: the round's unused reflections closest to what a red thread already holds.

The team's own choice of evidence is the best description of a red thread, so its evidence are
the seeds; a thread without evidence is described by its title and text. Only words nobody
used yet are offered: a reflection already under a red thread of this round needs no finding.

Pages never wait for the encoder when the round's vectors are kept (pitstops.vectors): 10,000
reflections are read as (id, text) pairs and raw vectors, without a model object per row. When
many are not kept yet (a round nobody asked suggestions for), a page encodes only a few hundred
and ranks what has a vector; a background task keeps the rest, and the list says how many wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models import OwnConcept, RedThread, Reflection
from ..suggestions.engine import Note, embed, rank_like
from ..tasks import prepare_round
from ..vectors import embeddings_within
from .services import evidence_candidates
from .workspace import Filters, page_rows

# Encoding in a request: 300 short texts take about a second; 10,000 would take twenty.
ENCODE_INLINE = 300


@dataclass
class Likeness:
    """The closest reflections, and how many of the round are not ranked yet (no vector)."""

    reflections: list[Reflection] = field(default_factory=list)
    preparing: int = 0


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


def more_like_this(*, thread: RedThread, user: Any, limit: int = 10) -> Likeness:
    """Up to `limit` unused reflections of the thread's round, closest first.

    Each carries `closeness` (the cosine, above 0) and what the workspace shows of a reflection
    (coalition, theme, marks; never a name for anonymous words: the rows are the workspace's).
    At most ENCODE_INLINE missing vectors are encoded here, the evidence's first; reflections
    beyond those are left out of the ranking for now and counted in `preparing`.
    """
    candidates = _unused_in_round(thread=thread, user=user)
    if not candidates:
        return Likeness()
    evidence = _evidence(thread=thread, user=user)
    description = "\n".join(part for part in (thread.title, thread.text) if part.strip())
    if not evidence and not description:
        return Likeness()
    ready, embedded, waiting = embeddings_within(
        evidence + candidates, encode_at_most=ENCODE_INLINE
    )
    if waiting:
        prepare_round(pitstop_id=thread.pitstop_id)
    seed_ids = {pk for pk, _text in evidence}
    is_seed = np.array([pk in seed_ids for pk, _text in ready], dtype=bool)
    notes = [Note(pk, text, None) for pk, text in ready if pk not in seed_ids]
    preparing = len(waiting)
    if evidence:
        seeds = [Note(pk, text, None) for pk, text in ready if pk in seed_ids]
        if not seeds:
            return Likeness(preparing=preparing)
        # rank_like takes the candidates' vectors first, then the seeds'.
        embedded = np.vstack([embedded[~is_seed], embedded[is_seed]])
    else:
        seeds = [Note(None, description, None)]
        # Not a reflection, so nothing to keep: encoded on the spot, one short text.
        embedded = np.vstack([embedded, embed([description])])
    if not notes:
        return Likeness(preparing=preparing)
    own = OwnConcept.objects.of_pitstop(thread.pitstop_id).as_words()
    ranked = rank_like(notes, seeds, embedded=embedded, own_words=own)
    # Only what points the same way as the seeds: the rest is not "like this" at all.
    closest = [(pk, score) for pk, score in ranked if score > 0][:limit]
    closeness = dict(closest)
    rows = page_rows([pk for pk, _score in closest], Filters())
    for row in rows:
        row.closeness = closeness[row.pk]
    return Likeness(reflections=rows, preparing=preparing)
