"""Properties of assess that must hold for any diary, checked with Hypothesis."""

from __future__ import annotations

import os
import random
import uuid
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from trend_builders import NOW

from diary.entries import (
    CaudaEquinaSign, CheckIn, ColourChange, HeartSymptom, InfectionSign, Relief, Sensation, Terrain, Walk,
)
from diary.trend import TrendConfig, assess
from diary.trend.distance import best_baselines
from diary.trend.timeline import Timeline

SETTINGS = settings(max_examples=60, deadline=None)


def _uuid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


@st.composite
def walk_specs(draw, days=st.floats(0, 250)):
    distance = draw(st.sampled_from([0.0, 50.0, 120.0, 200.0, 260.0, 400.0]) | st.floats(0, 1000))
    onset_share = draw(st.none() | st.floats(0, 1))
    return {
        "days_ago": draw(days),
        "distance_m": distance,
        "pain_onset_m": None if onset_share is None else distance * onset_share,
        "stopped_by_pain": draw(st.booleans()),
        "relief": draw(st.none() | st.sampled_from(list(Relief))),
        "sensations": draw(st.lists(st.sampled_from(list(Sensation)), max_size=3)),
        "terrain": draw(st.sampled_from(list(Terrain))),
        "distance_estimated": draw(st.booleans()),
    }


_answer = st.none() | st.booleans()  # null = not asked


def _ticks(enum):  # type: ignore[no-untyped-def]
    return st.none() | st.lists(st.sampled_from(list(enum)), max_size=3, unique=True)


@st.composite
def checkin_specs(draw, days=st.floats(0, 120)):
    return {
        "days_ago": draw(days),
        "rest_pain": draw(_answer),
        "rest_pain_at_night": draw(_answer),
        "eased_by_hanging_leg": draw(_answer),
        "wound": draw(_answer),
        "wound_days": draw(st.none() | st.integers(0, 60)),
        "wound_healed": draw(st.none() | st.just(True)),
        "infection_signs": draw(_ticks(InfectionSign)),
        "colour_change": draw(st.none() | st.sampled_from(list(ColourChange))),
        "colour_healed": draw(st.none() | st.just(True)),
        "cold_foot": draw(_answer),
        "numb_foot": draw(_answer),
        "sudden_onset": draw(_answer),
        "sudden_onset_days_ago": draw(st.none() | st.sampled_from([0, 1, 2, 7, 14, 30])),
        "heart_symptoms": draw(_ticks(HeartSymptom)),
        "cauda_equina_signs": draw(_ticks(CaudaEquinaSign)),
    }


def build(walks: list[dict], checkins: list[dict], first_id: int = 0) -> list[Walk | CheckIn]:
    entries: list[Walk | CheckIn] = []
    for n, spec in enumerate(walks):
        fields = {k: v for k, v in spec.items() if k != "days_ago"}
        entries.append(Walk(id=_uuid(first_id + n), walked_at=NOW - timedelta(days=spec["days_ago"]), **fields))
    for n, spec in enumerate(checkins, start=first_id + len(walks)):
        fields = {k: v for k, v in spec.items() if k != "days_ago"}
        entries.append(CheckIn(id=_uuid(n), recorded_at=NOW - timedelta(days=spec["days_ago"]), **fields))
    return entries


# Whole days make ties (duplicate timestamps) and window edges common.
_tied_days = st.integers(-2, 200).map(float) | st.floats(-2, 200)


@SETTINGS
@given(
    walks=st.lists(walk_specs(days=_tied_days), max_size=60),
    checkins=st.lists(checkin_specs(days=_tied_days.filter(lambda d: d < 120)), max_size=12),
    seed=st.integers(0, 2**32),
)
def test_the_order_of_entries_never_changes_the_findings(walks, checkins, seed):
    entries = build(walks, checkins)
    shuffled = entries[:]
    random.Random(seed).shuffle(shuffled)
    assert assess(shuffled, NOW) == assess(entries, NOW)


@SETTINGS
@given(walks=st.lists(walk_specs(), min_size=3, max_size=80), day=st.floats(0, 13.99))
def test_adding_a_walk_at_the_baseline_median_never_creates_a_decline(walks, day):
    entries = build(walks, [])
    before = {f.rule for f in assess(entries, NOW)}
    baselines = best_baselines(Timeline(entries, NOW), TrendConfig())
    if "distance_decline" in before or baselines["maximum"] is None:
        return
    best_max, best_free = baselines["maximum"].median_m, baselines["pain_free"].median_m
    added = Walk(id=_uuid(10_000), walked_at=NOW - timedelta(days=day), distance_m=best_max,
                 pain_onset_m=min(best_free, best_max), stopped_by_pain=True)
    assert "distance_decline" not in {f.rule for f in assess(entries + [added], NOW)}


@st.composite
def stable_noisy_histories(draw):
    """A constant walking level with uniform ±20% noise on every walk, any length."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    level = draw(st.floats(80, 800))
    per_week = draw(st.floats(1, 7))
    length = draw(st.integers(14, 400))
    walks, day = [], rng.uniform(0, 1)
    while day < length:
        distance = level * rng.uniform(0.8, 1.2)
        onset = min(distance, 0.7 * level * rng.uniform(0.8, 1.2))
        walks.append({"days_ago": day, "distance_m": distance, "pain_onset_m": onset, "stopped_by_pain": True,
                      "relief": Relief.stood_still, "sensations": [Sensation.cramping],
                      "terrain": Terrain.flat, "distance_estimated": False})
        day += rng.expovariate(per_week / 7)
    return walks


# Fixed examples: over 20,000 random histories this property failed once (a
# fontaine_iib crossing near 200 m; see docs/clinical-rules.md), so a random
# run would fail about one CI run in 300 for a known, documented rate. Set
# TREND_HARD_EXAMPLES to search further.
@settings(max_examples=int(os.environ.get("TREND_HARD_EXAMPLES", "60")), deadline=None,
          derandomize="TREND_HARD_EXAMPLES" not in os.environ)
@given(walks=stable_noisy_histories())
def test_a_stable_noisy_history_raises_no_review_or_urgent_finding(walks):
    raised = [f for f in assess(build(walks, []), NOW) if f.severity != "info"]
    assert raised == []


_urgent_signs = st.sampled_from([
    {"rest_pain": True, "rest_pain_at_night": True, "eased_by_hanging_leg": True},
    {"wound": True},
    {"colour_change": ColourChange.black},
    {"sudden_onset": True},
])


@SETTINGS
@given(
    walks=st.lists(walk_specs(), max_size=40),
    sign=_urgent_signs,
    sign_day=st.floats(0, 1.9),
    more=st.lists(walk_specs(days=st.floats(-1, 250)), min_size=1, max_size=40),
)
def test_an_urgent_sign_is_never_lost_by_adding_walks(walks, sign, sign_day, more):
    entries = build(walks, [{"days_ago": sign_day, **sign}])
    urgent = {f.rule for f in assess(entries, NOW) if f.severity in ("emergency", "urgent")}
    assert urgent
    extra = build(more, [], first_id=len(entries))
    after = {f.rule for f in assess(entries + extra, NOW) if f.severity in ("emergency", "urgent")}
    assert urgent <= after
