"""Tissue loss reported on check-ins: a wound or ulcer, or a toe turning blue or black.

Global Vascular Guidelines 2019: a lower-limb ulcer present for more than
2 weeks, or gangrene, is part of the definition of chronic limb-threatening
ischaemia, which needs urgent referral to a vascular team. Fontaine IV and
Rutherford 5-6 are tissue loss.
"""

from __future__ import annotations

from datetime import timedelta

from diary.entries import CheckIn, ColourChange

from .config import TrendConfig
from .finding import URGENT, Finding
from .timeline import Timeline, calendar_days, fmt_date, plural

RULE = "tissue_loss"
VERSION = "1"
DESCRIPTION = "A wound or ulcer, or a toe or foot turning blue or black, on the latest check-in: urgent."

_DARK = (ColourChange.blue, ColourChange.black)


def _dark(checkin: CheckIn) -> bool:
    return checkin.colour_change in _DARK


def _tissue_sign(checkin: CheckIn) -> bool:
    return checkin.wound or _dark(checkin)


def _has_wound(checkin: CheckIn) -> bool:
    return checkin.wound


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


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    lookback = timedelta(days=cfg.sign_lookback_days)
    run = tl.current_run(_tissue_sign, lookback)
    if not run:
        return None
    latest_at = tl.time_of(run[-1])
    latest = [c for c in run if tl.time_of(c) == latest_at]
    wound_run = tl.current_run(_has_wound, lookback)
    colours = sorted({c.colour_change.value for c in latest if _dark(c)})

    parts: list[str] = []
    data: dict = {"last_report": latest_at.isoformat(), "wound": bool(wound_run), "colour_change": colours}
    if wound_run:
        first_at = tl.time_of(wound_run[0])
        age = wound_age_days(tl, wound_run)
        data.update(wound_days=age, wound_reports=len(wound_run), wound_first_report=first_at.isoformat())
        if len(wound_run) == 1:
            seen = f"Wound or ulcer on the foot or leg reported on the check-in of {fmt_date(latest_at)}"
        else:
            seen = (
                f"Wound or ulcer on the foot or leg reported on {plural(len(wound_run), 'check-in')} "
                f"from {fmt_date(first_at)} to {fmt_date(latest_at)}"
            )
        if age >= cfg.wound_chronic_days:
            parts.append(
                f"{seen}: not healing for {age} days. A lower-limb wound that has not healed for more than 2 weeks "
                "is one of the signs that define chronic limb-threatening ischaemia (Global Vascular Guidelines 2019)."
            )
        else:
            known = f", present for {plural(age, 'day')} so far" if age > 0 else ""
            parts.append(
                f"{seen}{known}. A foot or leg wound in a patient with claudication can signal tissue loss "
                "and needs checking now, before it becomes chronic."
            )
    if colours:
        parts.append(
            f"A toe or foot turning {' and '.join(colours)} reported on {fmt_date(latest_at)}: "
            "a warning sign of tissue loss."
        )
    if any(c.cold_foot for c in latest):
        parts.append("The foot also feels cold.")
    parts.append("Needs urgent assessment by a vascular team.")
    return Finding(
        rule=RULE,
        severity=URGENT,
        entries=tl.ids(run),
        message=" ".join(parts),
        rule_version=VERSION,
        data=data,
    )
