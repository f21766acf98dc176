"""A foot that is both cold and pale on the latest check-in.

The clinical brief lists "a foot that is cold and pale" among the warning signs
a patient can report. Either alone is too common to flag (a cold foot in
winter, pallor on raising the leg); together and current they deserve review.
With sudden onset the acute_limb rule also reports the same check-in, as an
emergency; with rest pain the rest_pain rule also reports it, as urgent
(acute-on-chronic). A check-in that does not answer is silent.
"""

from __future__ import annotations

from datetime import timedelta

from diary import signs
from diary.entries import CheckIn

from .config import TrendConfig
from .finding import REVIEW, Finding
from .timeline import Timeline, fmt_date, plural

RULE = "pale_cold_foot"
VERSION = "2"
DESCRIPTION = "A foot reported both pale and cold on the latest check-in: review."


def _pale_and_cold(checkin: CheckIn) -> bool | None:
    return signs.pale_and_cold(checkin)


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    run = tl.current_run(_pale_and_cold, timedelta(days=cfg.sign_lookback_days))
    if not run:
        return None
    last = tl.time_of(run[-1])
    if len(run) == 1:
        seen = f"A cold, pale foot reported on the check-in of {fmt_date(last)}."
    else:
        seen = f"A cold, pale foot reported on {plural(len(run), 'check-in')} from {fmt_date(tl.time_of(run[0]))} to {fmt_date(last)}."
    message = (
        f"{seen} A foot that is cold and pale is a warning sign of poor blood supply; please review "
        "(pulses, ankle pressures). If it came on suddenly it is an emergency."
    )
    return Finding(
        rule=RULE,
        severity=REVIEW,
        entries=tl.ids(run),
        message=message,
        rule_version=VERSION,
        data={"reports": len(run), "last_report": last.isoformat(), "signs": ["pale_cold_foot"]},
    )
