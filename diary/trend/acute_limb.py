"""A sudden painful, pale, cold, numb or weak leg: possible acute limb ischaemia.

Acute limb ischaemia is an emergency, different from slow progression, and by
convention covers symptoms of less than 2 weeks (ESVS 2020). A sudden change
that began under 14 days before now is an emergency however late the report
arrives (a phone may have kept it for days); one that began earlier, reported
in the last 14 days, still needs same-day assessment. A later check-in that
does not repeat it never clears it: a person must acknowledge it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from diary import signs
from diary.entries import CheckIn

from .config import TrendConfig
from .finding import EMERGENCY, URGENT, Finding
from .timeline import Timeline, to_utc

RULE = "acute_limb"
LATE = timedelta(hours=1)  # a report that reached the diary later than this says when
VERSION = "2"
DESCRIPTION = ("A sudden painful, pale, cold, numb or weak leg that began under 14 days ago: emergency; "
               "one that began earlier, reported in the last 14 days: urgent.")


def _also_reported(checkins: list[CheckIn]) -> list[str]:
    found = []
    for label, seen in (("a pale foot", signs.pale), ("a blue or black toe or foot", signs.dark),
                        ("a cold foot", lambda c: c.cold_foot), ("a numb foot", lambda c: c.numb_foot),
                        ("pain at rest", signs.rest_pain)):
        if any(seen(c) for c in checkins):
            found.append(label)
    return found


def _stamp(value: datetime) -> str:
    return f"{to_utc(value):%d %b %Y %H:%M} UTC"


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    window = timedelta(days=cfg.acute_window_days)
    reports = [c for c in tl.checkins if signs.sudden(c)]
    acute = [c for c in reports if tl.now - to_utc(signs.sudden_began(c)) < window]
    late = [c for c in reports if c not in acute
            and tl.now - tl.reported_at(c) < timedelta(days=cfg.event_window_days)]
    if not acute and not late:
        return None
    shown = acute or late
    last = shown[-1]
    parts = [f"Sudden onset of a painful, pale, cold, numb or weak leg reported at {_stamp(tl.time_of(last))}"]
    began = to_utc(signs.sudden_began(last))
    if last.sudden_onset_days_ago:
        parts[0] += f", beginning about {last.sudden_onset_days_ago} days before ({began:%d %b %Y})"
    if tl.reported_at(last) - tl.time_of(last) > LATE:
        parts[0] += f"; it reached the diary at {_stamp(tl.reported_at(last))}"
    parts[0] += "."
    also = _also_reported(shown)
    if also:
        parts.append("The same check-in" + ("s" if len(shown) > 1 else "") + " also reported " + ", ".join(also) + ".")
    if acute:
        parts.append(
            f"Symptoms of less than {cfg.acute_window_days} days can be acute limb ischaemia, which is an emergency: "
            "the patient should be in emergency care now; contact them without waiting for a routine review.")
    else:
        parts.append(
            f"It began {cfg.acute_window_days} days or more before now, past the window of acute limb ischaemia, "
            "but a leg that changed suddenly needs same-day assessment (acute-on-chronic or advanced limb "
            "ischaemia).")
    return Finding(
        rule=RULE,
        severity=EMERGENCY if acute else URGENT,
        entries=tl.ids(acute + late),
        message=" ".join(parts),
        rule_version=VERSION,
        data={"reports": len(acute + late), "last_report": tl.time_of(last).isoformat(),
              "began": began.isoformat(), "also_reported": also,
              "signs": ["sudden_change"] * bool(acute) + ["sudden_change_late"] * bool(late)},
    )
