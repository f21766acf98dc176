"""Clinical trend rules over a patient's walks and check-ins.

Pure functions: no database, no web framework, no clock. ``now`` is always
passed in. The rules, thresholds and sources are in ``docs/clinical-rules.md``.
The app never diagnoses: a finding says what was seen and why it matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from diary.entries import CheckIn, PatientInfo, Walk, read_document

from . import (
    acute_limb,
    cauda_equina,
    distance_decline,
    fontaine_iib,
    heart_symptoms,
    logging_gap,
    neurogenic_pattern,
    pale_cold_foot,
    rest_pain,
    tissue_loss,
    wound_infection,
)
from .config import TrendConfig
from .distance import Baseline, recent_medians
from .finding import Finding
from .timeline import Timeline

__all__ = ["RULES", "Finding", "TrendConfig", "assess", "assess_document_json", "full_window", "recent_medians"]

_RULE_MODULES = (
    acute_limb,
    cauda_equina,
    distance_decline,
    fontaine_iib,
    heart_symptoms,
    logging_gap,
    neurogenic_pattern,
    pale_cold_foot,
    rest_pain,
    tissue_loss,
    wound_infection,
)

RULES: dict[str, str] = {m.RULE: m.DESCRIPTION for m in _RULE_MODULES}
RULE_VERSIONS: dict[str, str] = {m.RULE: m.VERSION for m in _RULE_MODULES}


def assess(
    entries: Iterable[Walk | CheckIn],
    now: datetime,
    config: TrendConfig | None = None,
    baseline_since: datetime | None = None,
    baselines: dict[str, Baseline | None] | None = None,
    patient: PatientInfo | None = None,
) -> list[Finding]:
    """Run every rule; findings sorted worst first (emergency, urgent, review, info), then by rule.

    Entries after ``now`` are ignored and the input order never matters.
    ``baseline_since`` (a clinician's baseline reset) keeps the distance
    baseline from reaching back before it. ``baselines``: the best baselines,
    when the caller keeps them between assessments (``baseline_state``), so
    ``entries`` need not reach back over the baseline span; the entries must
    then still cover every other rule's window (``full_window``). ``patient``: what
    is known about the patient beside the entries (diabetes).
    """
    cfg = config or TrendConfig()
    timeline = Timeline(entries, now, baseline_since, patient)
    if baselines is not None:
        timeline.memo(("best_baselines", cfg), lambda: baselines)
    findings = [f for m in _RULE_MODULES if (f := m.check(timeline, cfg)) is not None]
    return sorted(findings, key=Finding.sort_key)


def full_window(cfg: TrendConfig) -> timedelta:
    """How far back the rules read walks, apart from the distance baseline: the
    neurogenic pattern's window and the summary's two recent windows. Two rules
    may read further: a sign's episode of check-ins can be long
    (``Timeline.current_run``), and a patient with no entry for ``gap_days`` is
    compared with the weeks before their last entry (``logging_gap``)."""
    return timedelta(days=max(cfg.neuro_window_days, 2 * cfg.recent_days, cfg.sign_lookback_days) + 1)


def assess_document_json(text: str | bytes, now: datetime | None) -> dict[str, Any]:
    """Assess an interchange document, with its ``patient`` object; ``now=None`` means
    the latest time in it (an entry's time, or when an entry reached the server).

    Raises ``diary.entries.EntryError`` naming the entry and field on bad input.
    """
    document = read_document(text, now=None)
    entries = document.entries
    if now is None:
        if not entries:
            return {"findings": []}
        now = max(t for e in entries for t in (e.occurred_at, e.received_at) if t is not None)
    return {"findings": [f.to_json() for f in assess(entries, now, patient=document.patient)]}
