"""Builders for entries in trend tests: a walk or check-in N days before NOW."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from diary.entries import CheckIn, ColourChange, Relief, Walk
from diary.trend import Finding, assess

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def new_id() -> uuid.UUID:
    return uuid.UUID(int=next(_ids))


def ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


def walk(days_ago: float, distance: float = 300.0, onset: float | None = -1.0, now: datetime = NOW, **fields) -> Walk:
    """A vascular-style walk stopped by pain; ``onset=-1`` means 70% of the distance."""
    if onset == -1.0:
        onset = round(distance * 0.7, 3)
    painful = onset is not None
    defaults = {
        "stopped_by_pain": painful,
        "relief": Relief.stood_still if painful else Relief.no_pain,
        "relief_minutes": 3.0 if painful else None,
    }
    return Walk(**{"id": new_id(), "walked_at": ago(days_ago, now), "distance_m": distance,
                   "pain_onset_m": onset, **defaults, **fields})


# A check-in whose every question was answered "no", as the form gives when
# the patient has no sign; ``fields`` give the answers that differ.
NO_SIGNS = {
    "rest_pain": False, "rest_pain_at_night": False, "eased_by_hanging_leg": False, "wound": False,
    "infection_signs": [], "colour_change": ColourChange.none, "cold_foot": False, "numb_foot": False,
    "sudden_onset": False, "heart_symptoms": [], "cauda_equina_signs": [],
}


def checkin(days_ago: float, now: datetime = NOW, **fields) -> CheckIn:
    return CheckIn(**{"id": new_id(), "recorded_at": ago(days_ago, now), **NO_SIGNS, **fields})


def silent(days_ago: float, now: datetime = NOW, **fields) -> CheckIn:
    """A check-in that answers nothing unless told (every question null: not asked)."""
    return CheckIn(**{"id": new_id(), "recorded_at": ago(days_ago, now), **fields})


def walks_between(first_days_ago: float, last_days_ago: float, every: float, distance: float, **fields) -> list[Walk]:
    """Walks every ``every`` days from ``first_days_ago`` down to ``last_days_ago`` (inclusive)."""
    out, day = [], first_days_ago
    while day >= last_days_ago - 1e-9:
        out.append(walk(day, distance, **fields))
        day -= every
    return out


def baseline_walks(distance: float = 300.0, **fields) -> list[Walk]:
    """Twelve weeks of walks every 2 days, ending 16 days ago (before the recent window)."""
    return walks_between(100, 16, 2, distance, **fields)


def by_rule(entries, now: datetime = NOW, **kwargs) -> dict[str, Finding]:
    findings = assess(entries, now, **kwargs)
    return {f.rule: f for f in findings}


def ids(entries) -> tuple[str, ...]:
    return tuple(str(e.id) for e in entries)
