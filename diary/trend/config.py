"""Every threshold the trend rules use, in one frozen object.

The defaults and their sources are listed in ``docs/clinical-rules.md``.
Where a number is a product choice rather than a guideline figure, that
document says so; a deployment may change any of them without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrendConfig:
    # Walking distance: the recent window and its minimum evidence.
    recent_days: int = 14
    min_recent_walks: int = 3
    # A baseline median under this many metres gives no decline finding: a patient
    # who could barely walk has no meaningful fall to detect, and diary distances
    # are estimates good to about 10 m (product choice).
    min_baseline_m: float = 10.0
    # Baseline: best median of a 28-day window within the 183 days before the
    # recent window, each window holding at least 3 walks.
    baseline_window_days: int = 28
    baseline_span_days: int = 183
    baseline_min_walks: int = 3
    # A fall of 30% of the patient's own median is the product default (the
    # EXITPAD figure of ~147 m is for treadmills and does not transfer).
    decline_fraction: float = 0.30
    # "Confirmed by at least 3 walks": that many recent walks must each lie at
    # or below the decline threshold, so one or two bad days never flag.
    min_confirming_walks: int = 3

    # Fontaine IIa/IIb boundary (some sources use 150 m).
    fontaine_threshold_m: float = 200.0
    # The crossing must also be a real fall from the baseline, so that a stable
    # patient whose distance hovers around 200 m is not flagged by noise.
    fontaine_min_drop_fraction: float = 0.25

    # Check-in signs (rest pain, infection, a pale cold foot): how long a report
    # stays current, and when a run of reports counts as persistent. (A wound or
    # a blue or black toe stays until the patient says it has healed.)
    sign_lookback_days: int = 42
    rest_pain_urgent_days: int = 14
    wound_chronic_days: int = 14
    # Acute limb ischaemia covers symptoms of less than 2 weeks (ESVS 2020): a
    # sudden change that began within this many days is an emergency.
    acute_window_days: int = 14
    # How long a reported event (chest pain, cauda equina signs, a sudden change
    # that began earlier) stays a finding after it reached the diary.
    event_window_days: int = 14

    # Neurogenic pattern over recent painful walks.
    neuro_window_days: int = 60
    neuro_min_painful_walks: int = 3
    neuro_majority: float = 0.5
    neuro_min_terrain_walks: int = 3
    neuro_downhill_ratio: float = 0.75
    neuro_terrain_near_days: int = 7

    # Logging gap after a period of regular logging.
    gap_days: int = 14
    gap_history_days: int = 56
    gap_min_entries: int = 6
    gap_min_weeks: int = 4
