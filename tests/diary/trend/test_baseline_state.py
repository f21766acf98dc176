"""The baselines kept between assessments are the baselines of the whole history.

``baseline_state`` brings the best baselines up to date from the newest walks
only. Across a run of assessments, with time passing unevenly, walks logged as
they happen, walks backfilled into the past, and a clinician's baseline reset
set and cleared, every answer must equal ``best_baselines`` over everything.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from trend_builders import NOW, walk

from diary.trend import TrendConfig
from diary.trend.baseline_state import BaselineState, advance, best, fresh
from diary.trend.distance import METRICS, best_baselines
from diary.trend.timeline import Timeline, to_utc

CFG = TrendConfig()
WINDOW = timedelta(days=61)  # what the caller reads in full, as diary.baselines does
START = NOW - timedelta(days=400)


def points(walks, now, after=None):
    chosen = [w for w in walks if to_utc(w.walked_at) <= now and (after is None or to_utc(w.walked_at) >= after)]
    return sorted(((to_utc(w.walked_at), *(m.value(w) for m in METRICS)) for w in chosen), key=lambda p: p[0])


def expected(walks, now, since):
    return best_baselines(Timeline(walks, now, since), CFG)


def kept(state):
    return {m.key: None for m in METRICS} if state is None else best(state, CFG)


distances = st.sampled_from([0.0, 120.0, 200.0, 300.0]) | st.floats(0, 2000).map(lambda d: round(d, 1))
# Mostly the days between two saves, now and then a long silence (the state is then rebuilt).
passing = st.sampled_from([0.0, 0.01, 0.3, 1.0, 2.5, 4.0, 7.0, 10.0, 14.0, 70.0]) | st.floats(0, 17)
step = st.tuples(
    passing,
    st.lists(distances, max_size=4),                                                      # walks logged now
    st.none() | st.none() | st.none() | st.tuples(st.floats(15, 300), distances),         # a walk backfilled
    st.sampled_from(["keep"] * 12 + ["set", "clear"]),                                    # the baseline reset
)


@settings(max_examples=120, deadline=None)
@given(history=st.lists(st.tuples(st.floats(0, 400), distances), max_size=120),
       dense=st.integers(0, 90), steps=st.lists(step, min_size=10, max_size=40))
def test_kept_baselines_equal_the_baselines_of_the_whole_history(history, dense, steps):
    walks = [walk(400 - d, distance) for d, distance in history]
    walks += [walk(200 - i / 6, 250 + (i % 5) * 10) for i in range(dense)]   # several walks a day
    now, since, state = START + timedelta(days=200), None, None
    for days, logged, backfill, reset in steps:
        now += timedelta(days=days)
        walks += [walk(0, distance, now=now) for distance in logged]
        stale = False
        if backfill is not None:
            walks.append(walk(backfill[0], backfill[1], now=now))
            stale = state is not None and to_utc(now - timedelta(days=backfill[0])) <= state.reach
        if reset == "set":
            since = now - timedelta(days=60)
        elif reset == "clear":
            since = None
        if state is not None and not stale:
            state = BaselineState.from_json(state.to_json())
            state = advance(state, points(walks, now, now - WINDOW), now - WINDOW, now, CFG, since)
        else:
            state = None
        if state is None:
            state = fresh(points(walks, now), now, CFG, since)
        assert kept(state) == expected(walks, now, since)


def test_a_state_that_cannot_be_advanced_says_so():
    walks = [walk(d, 300 + d) for d in range(0, 200, 2)]
    state = fresh(points(walks, NOW), NOW, CFG, None)
    later = NOW + timedelta(days=30)
    # The caller read only the last 10 days in full: the walks since the state's edge are missing.
    assert advance(state, points(walks, later, later - timedelta(days=10)), later - timedelta(days=10),
                   later, CFG, None) is None
    assert advance(fresh(points(walks, NOW), NOW, CFG, None), [], NOW, NOW - timedelta(days=1), CFG, None) is None
    other = TrendConfig(baseline_window_days=21)
    assert advance(fresh(points(walks, NOW), NOW, CFG, None), [], NOW, NOW, other, None) is None


def test_a_state_from_another_version_is_not_read():
    state = fresh(points([walk(d) for d in range(20, 100)], NOW), NOW, CFG, None)
    assert BaselineState.from_json(state.to_json().replace('"version":1', '"version":0')) is None
