"""A finding: what one rule saw in a patient's diary, for a clinician to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diary.severity import Severity, sort_key

EMERGENCY = Severity.emergency
URGENT = Severity.urgent
REVIEW = Severity.review
INFO = Severity.info


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    entries: tuple[str, ...]
    message: str
    rule_version: str
    # Excluded from hashing because a dict cannot be hashed; equality still
    # compares it so tests can check the numbers behind a message.
    data: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.severity not in Severity._value2member_map_:
            raise ValueError(f"severity must be one of {sorted(Severity._value2member_map_)}, not {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "entries": list(self.entries),
            "message": self.message,
            "rule_version": self.rule_version,
        }

    def sort_key(self) -> tuple[int, str, str]:
        return (sort_key(self.severity), self.rule, self.message)
