"""Tissue loss reported on check-ins: a wound or ulcer, or a toe turning blue or black.

Global Vascular Guidelines 2019: a lower-limb ulcer present for more than
2 weeks, or gangrene, is part of the definition of chronic limb-threatening
ischaemia, which needs urgent referral to a vascular team. Fontaine IV and
Rutherford 5-6 are tissue loss.

Tissue loss does not heal in days: a wound or a blue or black toe stays
present until the patient says it has healed (``wound_healed``,
``colour_healed``) or a clinician resolves the flag. A check-in that leaves the
question unanswered, or answers an older form's defaults, never clears it.
"""

from __future__ import annotations

from diary import signs
from diary.entries import CheckIn

from .config import TrendConfig
from .finding import URGENT, Finding
from .timeline import Timeline, calendar_days, fmt_date, plural, since_healed

RULE = "tissue_loss"
VERSION = "2"
DESCRIPTION = ("A wound or ulcer, or a toe or foot blue or black, not since said to have healed: urgent.")


def wound_age_days(tl: Timeline, wound_run: list[CheckIn]) -> int:
    """Days the wound has been there at its latest report.

    The larger of the span of the reports and any reported ``wound_days``
    carried forward to the latest report, since a patient may start logging
    a wound that was already weeks old.
    """
    last = tl.time_of(wound_run[-1])
    age = calendar_days(tl.time_of(wound_run[0]), last)
    for checkin in wound_run:
        if checkin.wound_days is not None:
            age = max(age, checkin.wound_days + calendar_days(tl.time_of(checkin), last))
    return age


def wound_episode(tl: Timeline) -> list[CheckIn]:
    return since_healed(tl.checkins, lambda c: bool(c.wound), lambda c: bool(c.wound_healed))


def dark_episode(tl: Timeline) -> list[CheckIn]:
    return since_healed(tl.checkins, signs.dark, lambda c: bool(c.colour_healed))


def _wound_words(tl: Timeline, cfg: TrendConfig, run: list[CheckIn]) -> tuple[str, dict]:
    first_at, last_at = tl.time_of(run[0]), tl.time_of(run[-1])
    age = wound_age_days(tl, run)
    data = {"wound_days": age, "wound_reports": len(run), "wound_first_report": first_at.isoformat()}
    if len(run) == 1:
        seen = f"Wound or ulcer on the foot or leg reported on the check-in of {fmt_date(last_at)}"
    else:
        seen = (f"Wound or ulcer on the foot or leg reported on {plural(len(run), 'check-in')} "
                f"from {fmt_date(first_at)} to {fmt_date(last_at)}")
    if age >= cfg.wound_chronic_days:
        return (f"{seen}: not healing for {age} days. A lower-limb wound that has not healed for more than 2 weeks "
                "is one of the signs that define chronic limb-threatening ischaemia (Global Vascular Guidelines "
                "2019)."), data
    known = f", present for {plural(age, 'day')} so far" if age > 0 else ""
    return (f"{seen}{known}. A foot or leg wound in a patient with claudication can signal tissue loss and needs "
            "checking now, before it becomes chronic."), data


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    wound_run, dark_run = wound_episode(tl), dark_episode(tl)
    if not wound_run and not dark_run:
        return None
    run = sorted({c.id: c for c in wound_run + dark_run}.values(), key=tl.time_of)
    latest_at = tl.time_of(run[-1])
    colours = sorted({c.colour_change.value for c in dark_run if tl.time_of(c) == tl.time_of(dark_run[-1])}) \
        if dark_run else []
    parts: list[str] = []
    data: dict = {"last_report": latest_at.isoformat(), "wound": bool(wound_run), "colour_change": colours,
                  "signs": ["wound"] * bool(wound_run) + ["dark_toe"] * bool(dark_run)}
    if wound_run:
        words, more = _wound_words(tl, cfg, wound_run)
        parts.append(words)
        data.update(more)
    if dark_run:
        first = tl.time_of(dark_run[0])
        since = f" (first reported {fmt_date(first)})" if first != tl.time_of(dark_run[-1]) else ""
        parts.append(f"A toe or foot {' and '.join(colours)} reported on {fmt_date(tl.time_of(dark_run[-1]))}{since}: "
                     "a warning sign of tissue loss.")
    later = [c for c in tl.checkins if tl.time_of(c) > latest_at]
    if later:
        parts.append(f"{plural(len(later), 'later check-in')} did not say it had healed, so it is taken to be "
                     "still there.")
    if any(c.cold_foot for c in run if tl.time_of(c) == latest_at):
        parts.append("The foot also feels cold.")
    parts.append("Needs urgent assessment by a vascular team.")
    return Finding(rule=RULE, severity=URGENT, entries=tl.ids(run), message=" ".join(parts),
                   rule_version=VERSION, data=data)
