"""The labelled sets, and the concern space as each set is measured with.

The shipped concern space was learned from the tuning sets, so on a tuning set it would measure
what it learned, not what it finds. Tests that measure a tuning set use a space learned from the
other tuning sets (`measured_as_unseen`); a held-out set is measured with the shipped one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from pitstops.suggestions import concern_space
from pitstops.suggestions.quality import encoded, read_labelled
from tests.benchmarks import clustering

# What the shipped space is learned from (README, `learn_concern_space`); never a held-out set.
TUNING_SETS = [clustering.SETS[name] for name in clustering.TUNING_SETS]


@pytest.fixture(scope="session")
def encoded_tuning_sets() -> dict[Path, tuple]:
    return {path: encoded(read_labelled(path)) for path in TUNING_SETS}


@pytest.fixture
def measured_as_unseen(
    encoded_tuning_sets,
) -> Callable[[Path], AbstractContextManager[None]]:
    """`with measured_as_unseen(path):` a tuning set meets a space learned without it."""

    @contextmanager
    def unseen(path: Path) -> Iterator[None]:
        if path not in encoded_tuning_sets:
            yield
            return
        others = [sets for other, sets in encoded_tuning_sets.items() if other != path]
        with concern_space.trying(concern_space.learn(others)):
            yield

    return unseen
