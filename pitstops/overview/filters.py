"""What the reader chose in the overview's URL: a pitstop, a theme, a coalition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from coalitions.models import Coalition, Expedition, Theme

from ..models import Pitstop


@dataclass
class Filters:
    """What the reader chose in the URL, checked against this expedition."""

    pitstop: Pitstop | None = None
    theme: Theme | None = None
    coalition: Coalition | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_unknown(self) -> bool:
        """A value in the URL matched nothing of this expedition: show the empty state."""
        return bool(self.problems)

    def query(self, **changes: Any) -> dict[str, str]:
        values = {
            "pitstop": str(self.pitstop.number) if self.pitstop else "",
            "theme": self.theme.key if self.theme else "",
            "coalition": self.coalition.slug if self.coalition else "",
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value}


def read_filters(
    data: Any, *, pitstops: Sequence[Pitstop], themes: Sequence[Theme], expedition: Expedition
) -> Filters:
    """Match the URL's pitstop number, theme key and coalition slug; foreign ones match nothing."""
    filters = Filters()
    number = (data.get("pitstop") or "").strip()
    if number:
        filters.pitstop = next((p for p in pitstops if str(p.number) == number), None)
        if filters.pitstop is None:
            filters.problems.append(gettext("This expedition has no such pitstop."))
    key = (data.get("theme") or "").strip()
    if key:
        filters.theme = next((t for t in themes if t.key == key), None)
        if filters.theme is None:
            filters.problems.append(gettext("This expedition has no such theme."))
    slug = (data.get("coalition") or "").strip()
    if slug:
        filters.coalition = expedition.coalitions.filter(slug=slug[:50]).first()
        if filters.coalition is None:
            filters.problems.append(gettext("This expedition has no such coalition."))
    return filters
