"""Clinical trend rules over a patient's walks and check-ins.

Pure functions: no database, no web framework, no clock. ``now`` is always
passed in. The rules, thresholds and sources are in ``docs/clinical-rules.md``.
The app never diagnoses: a finding says what was seen and why it matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from diary.entries import CheckIn, Walk, parse_document

from . import (
    acute_limb,
    distance_decline,
    fontaine_iib,
    logging_gap,
    neurogenic_pattern,
    pale_cold_foot,
    rest_pain,
    tissue_loss,
)
from .config import TrendConfig
from .distance import recent_medians
from .finding import Finding
from .timeline import Timeline

__all__ = ["RULES", "Finding", "TrendConfig", "assess", "assess_document_json", "recent_medians"]

_RULE_MODULES = (
    acute_limb,
    distance_decline,
    fontaine_iib,
    logging_gap,
    neurogenic_pattern,
    pale_cold_foot,
    rest_pain,
    tissue_loss,
)

RULES: dict[str, str] = {m.RULE: m.DESCRIPTION for m in _RULE_MODULES}
RULE_VERSIONS: dict[str, str] = {m.RULE: m.VERSION for m in _RULE_MODULES}


def assess(
    entries: Iterable[Walk | CheckIn],
    now: datetime,
    config: TrendConfig | None = None,
    baseline_since: datetime | None = None,
) -> list[Finding]:
    """Run every rule; findings sorted urgent, review, info, then by rule.

    Entries after ``now`` are ignored and the input order never matters.
    ``baseline_since`` (a clinician's baseline reset) keeps the distance
    baseline from reaching back before it.
    """
    cfg = config or TrendConfig()
    timeline = Timeline(entries, now, baseline_since)
    findings = [f for m in _RULE_MODULES if (f := m.check(timeline, cfg)) is not None]
    return sorted(findings, key=Finding.sort_key)


def assess_document_json(text: str | bytes, now: datetime | None) -> dict[str, Any]:
    """Assess an interchange document; ``now=None`` means the latest entry's time.

    Raises ``diary.entries.EntryError`` naming the entry and field on bad input.
    """
    entries = parse_document(text, now=None)
    if now is None:
        if not entries:
            return {"findings": []}
        now = max(e.occurred_at for e in entries)
    return {"findings": [f.to_json() for f in assess(entries, now)]}
