"""A synthetic cohort of diaries, each labelled with the trend rules it should raise.

Used by the trend tests (sensitivity and false-flag rate), the demo data
loader and the benchmark. Plain Python and ``random.Random`` only, so it is
deterministic per seed and fast enough for 10,000 patients. Each patient gets
its own generator seeded from (seed, kind, index), so patient 5 of a kind is
the same whatever ``n_per_kind`` is.

The histories follow the clinical brief: 3-6 walks a week over 6-8 months,
distances 80-800 m with multiplicative (lognormal) day-to-day noise of about
±20%. Vascular walks stop with calf cramping, pain starting at 60-80% of the
distance, eased by standing still in 2-5 minutes. Neurogenic walks are eased
by sitting or bending forward, feel numb or tingling, start sooner downhill and
vary more in distance.
"""

from __future__ import annotations

import math
import random
import uuid
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from diary.entries import CheckIn, ColourChange, PainSite, Relief, Sensation, Side, Source, Terrain, Walk

KINDS = (
    "stable",
    "improving",
    "slowly_worsening",
    "suddenly_worsening",
    "rest_pain",
    "wound",
    "neurogenic",
)

FONTAINE_M = 200.0
# Noise sigma of log distance: about ±20% for two patients in three.
VASCULAR_SIGMA = 0.12
NEUROGENIC_SIGMA = 0.25
# A trajectory is labelled as crossing Fontaine IIb only when it does so
# clearly, so a label never rests on noise around the threshold.
FONTAINE_CLEAR_ABOVE = 1.2
FONTAINE_CLEAR_BELOW = 0.85


@dataclass
class SyntheticPatient:
    kind: str
    entries: list[Walk | CheckIn]
    expected_rules: set[str] = field(default_factory=set)
    # The noise-free walking level at the start of the history and at the end.
    start_level_m: float = 0.0
    end_level_m: float = 0.0


def generate_cohort(n_per_kind: int, seed: int, now: datetime) -> list[SyntheticPatient]:
    """``n_per_kind`` patients of each kind in ``KINDS``, grouped by kind."""
    return [
        generate_patient(kind, random.Random(f"{seed}:{kind}:{index}"), now)
        for kind in KINDS
        for index in range(n_per_kind)
    ]


def generate_patient(kind: str, rng: random.Random, now: datetime) -> SyntheticPatient:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    history_days = rng.randint(183, 245)
    level = math.exp(rng.uniform(math.log(110), math.log(650)))
    trajectory, expected = _trajectory(kind, rng, history_days)
    neurogenic = kind == "neurogenic"
    walks = _walks(rng, now, history_days, level, trajectory, neurogenic)
    checkins = _checkins(kind, rng, now, history_days)
    start, end = level * trajectory(history_days), level * trajectory(0)
    if kind in ("slowly_worsening", "suddenly_worsening") and _clearly_crosses(start, end):
        expected.add("fontaine_iib")
    if neurogenic:
        expected.add("neurogenic_pattern")
    return SyntheticPatient(kind, walks + checkins, expected, round(start, 1), round(end, 1))


def _clearly_crosses(start: float, end: float) -> bool:
    return start >= FONTAINE_M * FONTAINE_CLEAR_ABOVE and end <= FONTAINE_M * FONTAINE_CLEAR_BELOW


def _trajectory(kind: str, rng: random.Random, history_days: int) -> tuple[Callable[[float], float], set[str]]:
    """Walking level as a factor of the patient's level, by age in days (0 = now)."""
    if kind == "improving":
        gain = rng.uniform(0.25, 0.6)
        return (lambda age: 1 + gain * (1 - age / history_days)), set()
    if kind == "slowly_worsening":
        # Declines over the last ~6 months, so the whole fall lies inside the
        # baseline period the rule looks back over.
        fall, over = rng.uniform(0.45, 0.65), rng.uniform(120, 180)
        return (lambda age: 1 - fall * max(0.0, 1 - age / over)), {"distance_decline"}
    if kind == "suddenly_worsening":
        fall, at = rng.uniform(0.4, 0.65), rng.uniform(12, 35)
        return (lambda age: 1 - fall if age < at else 1.0), {"distance_decline"}
    if kind == "rest_pain":
        return (lambda age: 1.0), {"rest_pain"}
    if kind == "wound":
        return (lambda age: 1.0), {"tissue_loss"}
    return (lambda age: 1.0), set()


class _Weighted:
    """A weighted choice with cumulative weights built once (random.choices
    rebuilds them on every call, which dominated generation time)."""

    def __init__(self, options: Sequence, weights: Sequence[float]):
        self.options = tuple(options)
        self.cumulative = list(accumulate(weights))

    def pick(self, rng: random.Random):
        return self.options[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


_TERRAINS = (Terrain.flat, Terrain.uphill, Terrain.downhill, Terrain.mixed)
_VASCULAR_TERRAIN = _Weighted(_TERRAINS, (75, 12, 5, 8))
_NEUROGENIC_TERRAIN = _Weighted(_TERRAINS, (55, 15, 20, 10))
_VASCULAR_SITES = _Weighted(([PainSite.calf], [PainSite.calf, PainSite.thigh], [PainSite.thigh, PainSite.buttock]), (80, 12, 8))
_VASCULAR_SIDE = _Weighted((Side.left, Side.right, Side.both), (45, 45, 10))
_NEUROGENIC_RELIEF = _Weighted((Relief.sat_down, Relief.bent_forward, Relief.lay_down, Relief.stood_still), (45, 30, 5, 20))


def _new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _walks(
    rng: random.Random,
    now: datetime,
    history_days: int,
    level: float,
    trajectory: Callable[[float], float],
    neurogenic: bool,
) -> list[Walk]:
    per_day = rng.uniform(3, 6) / 7
    walk = _neurogenic_walk if neurogenic else _vascular_walk
    walks = []
    for day in range(history_days):
        if rng.random() >= per_day:
            continue
        age = day + rng.random()
        at = now - timedelta(days=age)
        walks.append(walk(rng, at, level * trajectory(age)))
    return walks


def _measured(rng: random.Random, distance: float) -> dict:
    """How the distance was captured: GPS, typed in, or estimated from minutes."""
    speed = rng.uniform(45, 70)
    roll = rng.random()
    if roll < 0.4:
        return {"source": Source.gps, "duration_min": round(distance / speed, 1)}
    if roll < 0.55:
        return {"distance_estimated": True, "duration_min": round(distance / speed, 1)}
    return {}


def _vascular_walk(rng: random.Random, at: datetime, level: float) -> Walk:
    terrain = _VASCULAR_TERRAIN.pick(rng)
    # Uphill brings claudication on sooner; downhill is easier for arteries.
    slope = {Terrain.uphill: 0.75, Terrain.downhill: 1.1}.get(terrain, 1.0)
    distance = round(level * slope * rng.lognormvariate(0, VASCULAR_SIGMA), 1)
    common = {"id": _new_id(rng), "walked_at": at, "terrain": terrain, **_measured(rng, distance)}
    if rng.random() < 0.06:
        # A short errand that ended before any pain came.
        short = round(distance * rng.uniform(0.3, 0.9), 1)
        return Walk(**{**common, "distance_m": short, "relief": Relief.no_pain, "pain_score": 0})
    return Walk(
        **common,
        distance_m=distance,
        pain_onset_m=round(distance * rng.uniform(0.6, 0.8), 1),
        stopped_by_pain=True,
        relief=Relief.stood_still if rng.random() < 0.94 else Relief.sat_down,
        relief_minutes=round(rng.uniform(2, 5), 1),
        pain_sites=_VASCULAR_SITES.pick(rng),
        side=_VASCULAR_SIDE.pick(rng),
        sensations=rng.choice(([Sensation.cramping], [Sensation.aching], [Sensation.cramping, Sensation.aching])),
        pain_score=rng.randint(3, 7),
    )


def _neurogenic_walk(rng: random.Random, at: datetime, level: float) -> Walk:
    terrain = _NEUROGENIC_TERRAIN.pick(rng)
    distance = round(level * rng.lognormvariate(0, NEUROGENIC_SIGMA), 1)
    # Walking downhill extends the lumbar spine and brings symptoms on sooner.
    onset_share = rng.uniform(0.3, 0.45) if terrain == Terrain.downhill else rng.uniform(0.55, 0.8)
    neuro = [s for s in (Sensation.numbness, Sensation.tingling, Sensation.weakness) if rng.random() < 0.5]
    return Walk(
        id=_new_id(rng),
        walked_at=at,
        terrain=terrain,
        distance_m=distance,
        pain_onset_m=round(distance * onset_share, 1),
        stopped_by_pain=rng.random() < 0.8,
        relief=_NEUROGENIC_RELIEF.pick(rng),
        relief_minutes=round(rng.uniform(5, 20), 1),
        pain_sites=rng.choice(([PainSite.buttock, PainSite.thigh], [PainSite.thigh], [PainSite.thigh, PainSite.calf])),
        side=Side.both if rng.random() < 0.7 else rng.choice((Side.left, Side.right)),
        sensations=neuro or [Sensation.burning],
        pain_score=rng.randint(3, 8),
        **_measured(rng, distance),
    )


def _checkins(kind: str, rng: random.Random, now: datetime, history_days: int) -> list[CheckIn]:
    """A weekly symptom check-in, more often once a danger sign appears."""
    onset = rng.uniform(3, 30) if kind in ("rest_pain", "wound") else -1.0
    ages: list[float] = []
    age = rng.uniform(0, 3)
    while age < history_days:
        ages.append(age)
        age += rng.uniform(2, 4) if age < onset else rng.uniform(6, 8)
    checkins = []
    for age in sorted(ages, reverse=True):
        at = now - timedelta(days=age)
        # The check-in form answered in full: "no" to every question without a sign.
        signs: dict = {"rest_pain": False, "rest_pain_at_night": False, "eased_by_hanging_leg": False,
                       "wound": False, "infection_signs": [], "colour_change": ColourChange.none,
                       "cold_foot": False, "numb_foot": False, "sudden_onset": False, "heart_symptoms": [],
                       "cauda_equina_signs": []}
        if age < onset and kind == "rest_pain":
            night = rng.random() < 0.4
            signs.update(rest_pain=True, rest_pain_at_night=night, eased_by_hanging_leg=night and rng.random() < 0.6)
        elif age < onset and kind == "wound":
            signs.update(wound=True, wound_days=int(onset - age), cold_foot=rng.random() < 0.3)
            if rng.random() < 0.15:
                signs["colour_change"] = ColourChange.black
        checkins.append(CheckIn(id=_new_id(rng), recorded_at=at, **signs))
    return checkins
