"""How serious a finding or a flag is: the one definition every ranking uses.

``emergency`` is above ``urgent``: a sign that needs help now (acute limb
ischaemia, exertional chest pain, cauda equina signs, an infected wound with
fever or in a person with diabetes). The clinical meaning of each level is in
docs/clinical-rules.md.

Each level has an integer rank (higher is worse; 0 is "no live flag"). The
review queue sorts on that rank, kept in ``patient_summary.open_rank``, so
an emergency always comes first. Stored flags keep the level's text value.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

NONE = "none"  # no live flag: rank 0


class Severity(StrEnum):
    emergency = "emergency"
    urgent = "urgent"
    review = "review"
    info = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        """The word shown to a person (upper case in the PDF and exports)."""
        return self.value


_RANK: dict[Severity, int] = {Severity.emergency: 4, Severity.urgent: 3, Severity.review: 2, Severity.info: 1}
_BY_RANK: dict[int, str] = {rank: level.value for level, rank in _RANK.items()} | {0: NONE}
# For the pages: the severity's text of each rank the queue stores.
NAME_OF_RANK: dict[int, str] = dict(_BY_RANK)

# Worst first: emergency, urgent, review, info.
ORDER: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))


def rank(value: str | None) -> int:
    """The integer rank of a severity's text (0 for none, unknown or missing)."""
    try:
        return Severity(value).rank if value is not None else 0
    except ValueError:
        return 0


def name_of_rank(value: int) -> str:
    """The severity's text for a rank, or "none" for 0."""
    return _BY_RANK.get(value, NONE)


def worse(a: str, b: str) -> bool:
    return rank(a) > rank(b)


def worst(values: Iterable[str | None]) -> str:
    """The worst severity among ``values``, or "none"."""
    return name_of_rank(max((rank(v) for v in values), default=0))


def sort_key(value: str | None) -> int:
    """Worst first when sorted ascending; "none" and unknown last."""
    return -rank(value)
