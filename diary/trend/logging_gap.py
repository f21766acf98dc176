"""A patient who logged regularly has gone quiet.

Supervised exercise therapy asks for about 3 sessions a week (NICE CG147), so a
diary that stops after regular use may mean the patient stopped walking,
stopped logging, or is unwell. Information only: silence is not a sign.
"""

from __future__ import annotations

from datetime import timedelta

from .config import TrendConfig
from .finding import INFO, Finding
from .timeline import Timeline, fmt_date, plural

RULE = "logging_gap"
VERSION = "1"
DESCRIPTION = "No entries for 14 days or more after regular logging (6 entries on 4 different weeks in the 8 weeks before): info."


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    if not tl.entries:
        return None
    last = tl.times[-1]
    quiet = tl.now - last
    if quiet < timedelta(days=cfg.gap_days):
        return None
    before = tl.entries_in(last - timedelta(days=cfg.gap_history_days), last)
    # Weeks counted back from the last entry in 7-day blocks, so the count
    # does not depend on which weekday or time zone the calendar starts in.
    week = timedelta(days=7)
    weeks = {(last - tl.time_of(e)) // week for e in before}
    if len(before) < cfg.gap_min_entries or len(weeks) < cfg.gap_min_weeks:
        return None
    history_weeks = cfg.gap_history_days // 7
    message = (
        f"No entries for {quiet.days} days (last entry {fmt_date(last)}). Before that the patient logged "
        f"{plural(len(before), 'entry', 'entries')} in {history_weeks} weeks, on {len(weeks)} of those weeks. "
        "The gap may mean walking or logging has stopped; a check-in with the patient may help."
    )
    return Finding(
        rule=RULE,
        severity=INFO,
        entries=tl.ids(before),
        message=message,
        rule_version=VERSION,
        data={
            "days_without_entries": quiet.days,
            "last_entry": last.isoformat(),
            "entries_before_gap": len(before),
            "weeks_with_entries": len(weeks),
        },
    )
