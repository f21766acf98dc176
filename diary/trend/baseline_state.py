"""The patient's best baselines, kept between assessments so a save need not reread half a year.

``distance.best_baselines`` defines the baseline: the highest median of any
28-day window ``(s, s + 28 d]`` (holding at least 3 walks) whose start lies in
the span ``[S, L]``, where ``S`` is 197 days before now (or a clinician's
baseline reset, if later) and ``L`` is 42 days before now; ties keep the
earliest window. This module computes the same thing, to the bit, as a
sliding-window maximum, so that each assessment only looks at what changed.

* A window's walks change only at *change points*: a walk's time (it leaves)
  and 28 days before it (it enters). Between two change points every window
  holds the same walks. So each change point ``p`` stands for its interval
  ``[p, until)`` up to the next change point.
* As time passes both ends of the span move forward. The state keeps, per
  metric, the change points up to ``L`` that could still be the best: a queue
  whose medians never rise, since a point followed by a strictly higher one
  can never be the maximum again. New points are added at the back; the front
  falls off once its interval lies wholly before ``S``. The front's interval
  may hold ``S`` itself: that is the window starting at ``S``, and it is
  reported with that start, as the definition does.
* It depends only on walks up to ``L + 28 d`` (``reach``). A walk saved,
  changed or deleted at or before ``reach`` makes the state stale; so does a
  change of the configuration or of the baseline reset, or time going
  backwards. Then it is rebuilt from the walks of the span (``fresh``).

Pure: no database, no clock. The caller stores the state (``to_json``).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .config import TrendConfig
from .distance import METRICS, Baseline, _slide, _sorted_median
from .timeline import to_utc

# A walk as the baselines see it: its instant (UTC) and its value for each metric, in METRICS order.
WalkPoint = tuple[datetime, float, float]
VERSION = 1


def config_key(cfg: TrendConfig) -> list[int]:
    return [cfg.recent_days, cfg.baseline_window_days, cfg.baseline_span_days, cfg.baseline_min_walks]


def span(now: datetime, cfg: TrendConfig, baseline_since: datetime | None) -> tuple[datetime, datetime]:
    """``(S, E)``, as ``distance.baseline_span`` gives them."""
    end = to_utc(now) - timedelta(days=cfg.recent_days)
    start = end - timedelta(days=cfg.baseline_span_days)
    if baseline_since is not None and to_utc(baseline_since) > start:
        start = to_utc(baseline_since)
    return start, end


@dataclass
class Candidate:
    start: datetime
    until: datetime | None  # the next change point; None while it is the last one processed
    median_m: float
    walks: int


@dataclass
class BaselineState:
    key: list[int]
    baseline_since: datetime | None
    span_start: datetime       # S when last brought up to date
    right: datetime            # L when last brought up to date: every point up to here is processed
    last_point: datetime       # the last point processed
    queues: dict[str, list[Candidate]] = field(default_factory=dict)

    @property
    def reach(self) -> datetime:
        """The latest walk time the state depends on."""
        return self.right + timedelta(days=self.key[1])

    def to_json(self) -> str:
        def at(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None
        return json.dumps({
            "version": VERSION, "key": self.key, "baseline_since": at(self.baseline_since),
            "span_start": at(self.span_start), "right": at(self.right), "last_point": at(self.last_point),
            "queues": {k: [[at(c.start), at(c.until), c.median_m, c.walks] for c in q]
                       for k, q in self.queues.items()},
        }, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> BaselineState | None:
        """The stored state, or None if it was written by another version of this module."""
        data: dict[str, Any] = json.loads(text)
        if data.get("version") != VERSION:
            return None

        def at(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value is not None else None
        return cls(
            key=list(data["key"]), baseline_since=at(data["baseline_since"]), span_start=at(data["span_start"]),
            right=at(data["right"]), last_point=at(data["last_point"]),
            queues={k: [Candidate(at(s), at(u), m, n) for s, u, m, n in q] for k, q in data["queues"].items()},
        )


def _change_points(walks: Sequence[WalkPoint], width: timedelta, after: datetime, upto: datetime) -> list[datetime]:
    points = set()
    for at, *_ in walks:
        for p in (at, at - width):
            if after < p <= upto:
                points.add(p)
    return sorted(points)


def _process(state: BaselineState, points: Sequence[datetime], walks: Sequence[WalkPoint], cfg: TrendConfig) -> None:
    """Evaluate the windows starting at ``points`` (ascending, after ``state.last_point``)
    and add them to the queues. ``walks`` must hold every walk after the first point."""
    width = timedelta(days=cfg.baseline_window_days)
    times = [w[0] for w in walks]
    values = {m.key: [w[1 + i] for w in walks] for i, m in enumerate(METRICS)}
    window: dict[str, list[float]] = {key: [] for key in values}
    lo = hi = 0
    for point in points:
        new_lo, new_hi = bisect_right(times, point), bisect_right(times, point + width)
        for key, vals in values.items():
            _slide(window[key], vals, (lo, hi), (new_lo, new_hi))
        lo, hi = new_lo, new_hi
        for key, queue in state.queues.items():
            if queue and queue[-1].start == state.last_point:
                queue[-1].until = point
            if hi - lo < cfg.baseline_min_walks:
                continue
            mid = _sorted_median(window[key])
            while queue and queue[-1].median_m < mid:
                queue.pop()
            queue.append(Candidate(point, None, mid, hi - lo))
        state.last_point = point


def fresh(walks: Sequence[WalkPoint], now: datetime, cfg: TrendConfig,
          baseline_since: datetime | None) -> BaselineState | None:
    """The state at ``now`` from the walks of the span (at least those after ``S``,
    sorted by time). None when the span is shorter than one window."""
    start, end = span(now, cfg, baseline_since)
    width = timedelta(days=cfg.baseline_window_days)
    if end - start < width:
        return None
    last_start = end - width
    nothing_yet = start - timedelta(microseconds=1)
    state = BaselineState(key=config_key(cfg), baseline_since=to_utc(baseline_since) if baseline_since else None,
                          span_start=start, right=last_start, last_point=nothing_yet,
                          queues={m.key: [] for m in METRICS})
    relevant = [w for w in walks if w[0] > start]
    _process(state, [start, *_change_points(relevant, width, start, last_start)], relevant, cfg)
    return state


def advance(state: BaselineState, walks: Sequence[WalkPoint], complete_from: datetime, now: datetime,
            cfg: TrendConfig, baseline_since: datetime | None) -> BaselineState | None:
    """Bring ``state`` up to ``now`` with the walks after its ``right`` edge.

    ``walks`` (sorted by time) must hold every walk from ``complete_from`` on.
    Returns None when the state cannot be advanced and must be rebuilt: another
    configuration or baseline reset, time going backwards, the span too short,
    or walks needed from before ``complete_from``."""
    since = to_utc(baseline_since) if baseline_since is not None else None
    start, end = span(now, cfg, baseline_since)
    width = timedelta(days=cfg.baseline_window_days)
    last_start = end - width
    if (state.key != config_key(cfg) or state.baseline_since != since or end - start < width
            or start < state.span_start or last_start < state.right or state.right < complete_from
            or start > state.right):
        return None
    relevant = [w for w in walks if w[0] > state.right]
    _process(state, _change_points(relevant, width, state.right, last_start), relevant, cfg)
    state.right, state.span_start = last_start, start
    for queue in state.queues.values():
        while queue and queue[0].until is not None and queue[0].until <= start:
            queue.pop(0)
    return state


def best(state: BaselineState, cfg: TrendConfig) -> dict[str, Baseline | None]:
    """The best baseline per metric, as ``distance.best_baselines`` gives it."""
    width = timedelta(days=cfg.baseline_window_days)
    result: dict[str, Baseline | None] = {}
    for m in METRICS:
        queue = state.queues.get(m.key) or []
        if not queue:
            result[m.key] = None
            continue
        top = queue[0]
        start = max(top.start, state.span_start)
        result[m.key] = Baseline(top.median_m, start, start + width, top.walks)
    return result
