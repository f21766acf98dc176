"""The best baseline is the same whichever way its windows' medians are taken.

``best_baselines`` keeps each window's values sorted as the window slides
forward; this checks it against the plain definition (every candidate window,
``statistics.median`` of its walks) on histories with ties, dense runs of
walks, gaps and a clinician's baseline reset.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st
from trend_builders import NOW, walk

from diary.trend import TrendConfig
from diary.trend.distance import METRICS, Baseline, baseline_span, best_baselines
from diary.trend.timeline import Timeline


def by_definition(tl: Timeline, cfg: TrendConfig) -> dict[str, Baseline | None]:
    span_start, span_end = baseline_span(tl, cfg)
    width = timedelta(days=cfg.baseline_window_days)
    best: dict[str, Baseline | None] = {m.key: None for m in METRICS}
    if span_end - span_start < width:
        return best
    starts = {span_start, span_end - width}
    for at in tl.walk_times:
        if span_start < at <= span_end:
            starts.update((at - width, at))
    for start in sorted(s for s in starts if span_start <= s <= span_end - width):
        lo, hi = bisect_right(tl.walk_times, start), bisect_right(tl.walk_times, start + width)
        if hi - lo < cfg.baseline_min_walks:
            continue
        for metric in METRICS:
            mid = median(metric.value(w) for w in tl.walks[lo:hi])
            if best[metric.key] is None or mid > best[metric.key].median_m:
                best[metric.key] = Baseline(mid, start, start + width, hi - lo)
    return best


days = st.integers(0, 210).map(float) | st.floats(0, 210)   # whole days make ties common
distances = st.sampled_from([0.0, 100.0, 150.0, 300.0]) | st.floats(0, 2000)


@settings(max_examples=150, deadline=None)
@given(history=st.lists(st.tuples(days, distances, st.none() | st.floats(0, 1)), max_size=150),
       dense=st.integers(0, 120), reset=st.none() | st.floats(20, 200))
def test_the_sliding_windows_give_the_baseline_of_the_definition(history, dense, reset):
    walks = [walk(d, distance, None if share is None else distance * share) for d, distance, share in history]
    walks += [walk(30 + i / 8, 250 + (i % 7) * 10) for i in range(dense)]  # several walks a day
    tl = Timeline(walks, NOW, None if reset is None else NOW - timedelta(days=reset))
    assert best_baselines(tl, TrendConfig()) == by_definition(tl, TrendConfig())
