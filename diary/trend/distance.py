"""Walking distances: the recent window, the patient's own baseline, and the fall between them.

Maximum walking distance of a walk is ``distance_m``: for a walk stopped by
pain that is the claudication distance; for a walk not stopped by pain it is
still the distance walked (a lower bound of what the patient could manage),
because the diary cannot know how much further they could have gone.
Pain-free distance is ``pain_onset_m``, or ``distance_m`` when pain never came.
A walk of 0 m counts as 0 m: it is what the patient reported.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from diary.entries import Walk

from .config import TrendConfig
from .timeline import Timeline, fmt_date, fmt_m

# Keeps "exactly 30%" on the flagging side despite binary floating point.
_EPS = 1e-9


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: Callable[[Walk], float]


MAXIMUM = Metric("maximum", "maximum walking distance", lambda w: w.distance_m)
PAIN_FREE = Metric(
    "pain_free", "pain-free walking distance",
    lambda w: w.pain_onset_m if w.pain_onset_m is not None else w.distance_m,
)
METRICS = (MAXIMUM, PAIN_FREE)


@dataclass(frozen=True)
class Baseline:
    median_m: float
    start: datetime
    end: datetime
    walks: int

    def describe(self, cfg: TrendConfig) -> str:
        return (
            f"best {cfg.baseline_window_days}-day median, {fmt_date(self.start)} to {fmt_date(self.end)}, "
            f"{self.walks} walks"
        )


@dataclass(frozen=True)
class Comparison:
    """One metric's recent median set against its baseline."""

    metric: Metric
    recent_median_m: float
    recent_walks: int
    baseline: Baseline
    confirming_walks: int
    limit_m: float

    @property
    def fall_fraction(self) -> float:
        return 1 - self.recent_median_m / self.baseline.median_m

    @property
    def decline_pct(self) -> int:
        return round(self.fall_fraction * 100)

    def fell(self) -> bool:
        return self.recent_median_m <= self.limit_m

    def data(self) -> dict[str, Any]:
        return {
            "recent_median_m": round(self.recent_median_m, 1),
            "recent_walks": self.recent_walks,
            "baseline_median_m": round(self.baseline.median_m, 1),
            "baseline_start": self.baseline.start.isoformat(),
            "baseline_end": self.baseline.end.isoformat(),
            "baseline_walks": self.baseline.walks,
            "decline_pct": self.decline_pct,
            "confirming_walks": self.confirming_walks,
        }


def below(reference: float, fraction: float) -> float:
    """The value ``fraction`` below ``reference``, with a hair of tolerance."""
    return reference * (1 - fraction) + _EPS * max(1.0, reference)


def recent_window(tl: Timeline, cfg: TrendConfig) -> tuple[datetime, datetime]:
    return tl.now - timedelta(days=cfg.recent_days), tl.now


def recent_walks(tl: Timeline, cfg: TrendConfig) -> list[Walk]:
    return tl.walks_in(*recent_window(tl, cfg))


def baseline_span(tl: Timeline, cfg: TrendConfig) -> tuple[datetime, datetime]:
    """The period baseline windows must lie in: the 183 days before the recent
    window, cut short by a clinician's ``baseline_since`` (never widened)."""
    end = recent_window(tl, cfg)[0]
    start = end - timedelta(days=cfg.baseline_span_days)
    if tl.baseline_since is not None and tl.baseline_since > start:
        start = tl.baseline_since
    return start, end


def best_baselines(tl: Timeline, cfg: TrendConfig) -> dict[str, Baseline | None]:
    """The highest median of any 28-day window (with enough walks) per metric.

    A window's contents change only when its start passes a walk or its end
    reaches one, so trying the span's edges and those points covers every
    distinct window. Ties keep the earliest window.
    """
    span_start, span_end = baseline_span(tl, cfg)
    width = timedelta(days=cfg.baseline_window_days)
    best: dict[str, Baseline | None] = {m.key: None for m in METRICS}
    if span_end - span_start < width:
        return best
    last_start = span_end - width
    times = tl.walk_times
    inside = times[bisect_right(times, span_start):bisect_right(times, span_end)]
    starts = {span_start, last_start}
    for at in inside:
        starts.update((at - width, at))
    values = {m.key: [m.value(w) for w in tl.walks] for m in METRICS}
    # The windows are tried in time order, so both of their edges only move forward:
    # each metric's values in the window are kept sorted as walks enter and leave,
    # rather than sorted afresh for every window (which made a patient who logs
    # several walks a day cost many times more to assess).
    window: dict[str, list[float]] = {key: [] for key in values}
    lo = hi = 0
    for start in sorted(s for s in starts if span_start <= s <= last_start):
        new_lo, new_hi = bisect_right(times, start), bisect_right(times, start + width)
        for key, vals in values.items():
            _slide(window[key], vals, (lo, hi), (new_lo, new_hi))
        lo, hi = new_lo, new_hi
        if hi - lo < cfg.baseline_min_walks:
            continue
        for key in values:
            mid = _sorted_median(window[key])
            current = best[key]
            if current is None or mid > current.median_m:
                best[key] = Baseline(mid, start, start + width, hi - lo)
    return best


def _slide(window: list[float], vals: list[float], old: tuple[int, int], new: tuple[int, int]) -> None:
    """Make the sorted ``window`` hold ``vals[new[0]:new[1]]`` instead of ``vals[old[0]:old[1]]``."""
    (lo, hi), (new_lo, new_hi) = old, new
    if new_lo >= hi:  # no overlap: start again
        window[:] = sorted(vals[new_lo:new_hi])
        return
    for value in vals[lo:new_lo]:
        del window[bisect_left(window, value)]
    for value in vals[hi:new_hi]:
        insort(window, value)


def _sorted_median(values: list[float]) -> float:
    """``statistics.median`` of an already sorted list, to the same bit."""
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def compare(tl: Timeline, cfg: TrendConfig, metric: Metric, threshold_fraction: float) -> Comparison | None:
    """Recent median against the best baseline; None when either lacks walks."""
    recent = recent_walks(tl, cfg)
    if len(recent) < cfg.min_recent_walks:
        return None
    baseline = tl.memo(("best_baselines", cfg), lambda: best_baselines(tl, cfg))[metric.key]
    if baseline is None or baseline.median_m < cfg.min_baseline_m:
        return None
    values = [metric.value(w) for w in recent]
    limit = below(baseline.median_m, threshold_fraction)
    return Comparison(
        metric=metric,
        recent_median_m=median(values),
        recent_walks=len(values),
        baseline=baseline,
        confirming_walks=sum(v <= limit for v in values),
        limit_m=limit,
    )


def estimated_note(walks: list[Walk]) -> str:
    count = sum(w.distance_estimated for w in walks)
    if not count:
        return ""
    return f" {count} of the {len(walks)} recent walks had distances estimated from minutes walked."


def recent_medians(walks: Iterable[Any], now: datetime, config: TrendConfig | None = None) -> dict[str, Any]:
    """Dashboard summary: recent median maximum and pain-free distance.

    Medians are None when the recent window holds fewer walks than the rules
    need, so a summary never shows a number the rules would not trust.
    Non-walk entries in ``walks`` are ignored.
    """
    cfg = config or TrendConfig()
    tl = Timeline((w for w in walks if isinstance(w, Walk)), now)
    start, end = recent_window(tl, cfg)
    recent = tl.walks_in(start, end)
    enough = len(recent) >= cfg.min_recent_walks
    return {
        "count": len(recent),
        "estimated_count": sum(w.distance_estimated for w in recent),
        "max_distance_median_m": median(MAXIMUM.value(w) for w in recent) if enough else None,
        "pain_free_median_m": median(PAIN_FREE.value(w) for w in recent) if enough else None,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "window_days": cfg.recent_days,
    }


def describe_recent(c: Comparison, cfg: TrendConfig) -> str:
    """The start of a message sentence: 'Median ... is 142 m (4 walks)'."""
    return (
        f"Median {c.metric.label} over the last {cfg.recent_days} days is {fmt_m(c.recent_median_m)} "
        f"({c.recent_walks} walks)"
    )
