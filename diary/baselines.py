"""Reading a patient's entries for an assessment, with their distance baselines kept between saves.

Assessing a patient once read and rebuilt every entry of the last 200 days,
because the distance baseline looks back that far, so a patient with a long,
busy diary cost several times more to assess than a new one (bench/RESULTS.md,
"trend cost"). Now the baselines are kept in the patient's summary row
(``patient_summary.baseline_state``) and brought up to date from the recent
walks (``diary.trend.baseline_state``), and only the rules' own windows are
read: two months of walks, and check-ins further back, since a sign's episode
can be long. The findings are the same either way, as
``tests/diary/trend/test_baseline_state.py`` and
``tests/server/test_kept_baselines.py`` check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from diary import store, summary
from diary.entries import CheckIn, Walk
from diary.flags import HISTORY_WINDOW
from diary.models import Patient
from diary.trend import TrendConfig, full_window
from diary.trend.baseline_state import BaselineState, WalkPoint, advance, best, fresh, span
from diary.trend.distance import METRICS, Baseline
from diary.trend.timeline import to_utc


@dataclass(frozen=True)
class RuleInput:
    entries: list[Walk | CheckIn]     # oldest first
    baselines: dict[str, Baseline | None]


def _points(walks: Iterable[tuple[datetime, float, float | None]]) -> list[WalkPoint]:
    points = [(at, distance, onset if onset is not None else distance) for at, distance, onset in walks]
    points.sort(key=lambda p: p[0])
    return points


def _entry_points(entries: Iterable[Walk | CheckIn], now: datetime) -> list[WalkPoint]:
    return _points((to_utc(e.occurred_at), e.distance_m, e.pain_onset_m)
                   for e in entries if isinstance(e, Walk) and to_utc(e.occurred_at) <= now)


async def _baselines(session: AsyncSession, patient: Patient, now: datetime, cfg: TrendConfig,
                     recent: list[Walk | CheckIn], complete_from: datetime,
                     changed: Iterable[datetime]) -> dict[str, Baseline | None]:
    kept = await summary.summary_row(session, patient)
    state: BaselineState | None = None
    if kept.baseline_state and kept.baseline_reach and all(to_utc(at) > kept.baseline_reach for at in changed):
        state = BaselineState.from_json(kept.baseline_state)
    if state is not None:
        state = advance(state, _entry_points(recent, now), complete_from, now, cfg, patient.baseline_since)
    if state is None:
        start, end = span(now, cfg, patient.baseline_since)
        walks = _points(await store.walk_distances(session, patient.id, start, end))
        state = fresh(walks, now, cfg, patient.baseline_since)
    if state is None:  # the span is shorter than one window: no baseline
        kept.baseline_state = kept.baseline_reach = None
        return {m.key: None for m in METRICS}
    kept.baseline_state, kept.baseline_reach = state.to_json(), state.reach
    return best(state, cfg)


async def rule_input(session: AsyncSession, patient: Patient, now: datetime, cfg: TrendConfig,
                     changed: Iterable[datetime] = ()) -> RuleInput:
    """The entries the trend rules read at ``now``, and the patient's best baselines.

    ``changed``: the times of entries saved, edited or deleted since the last
    assessment; one at or before what the kept baselines depend on has them
    rebuilt. A patient with no entry for ``gap_days`` is read over the whole
    ``HISTORY_WINDOW`` instead: the logging-gap rule looks at the weeks before
    their last entry."""
    since = now - full_window(cfg)
    entries = await store.entries_since(session, patient.id, now - HISTORY_WINDOW, walks_since=since)
    quiet_since = now - timedelta(days=cfg.gap_days)
    if not any(quiet_since < e.occurred_at <= now for e in entries):
        since = now - HISTORY_WINDOW
        entries = await store.entries_since(session, patient.id, since)
    baselines = await _baselines(session, patient, now, cfg, entries, since, changed)
    return RuleInput(entries, baselines)

