"""A sudden painful, pale, cold, numb or weak leg: possible acute limb ischaemia.

Acute limb ischaemia is an emergency, different from slow progression (see the
clinical brief). Any such report in the last 2 days is flagged, even if a
later check-in does not repeat it: an event like this must be acknowledged by
a person, not cleared by the next form.
"""

from __future__ import annotations

from datetime import timedelta

from diary.entries import CheckIn, ColourChange

from .config import TrendConfig
from .finding import URGENT, Finding
from .timeline import Timeline

RULE = "acute_limb"
VERSION = "1"
DESCRIPTION = "A check-in in the last 2 days reporting a suddenly painful, pale, cold, numb or weak leg: urgent (possible emergency)."


def _also_reported(checkins: list[CheckIn]) -> list[str]:
    signs = []
    if any(c.colour_change == ColourChange.pale for c in checkins):
        signs.append("a pale foot")
    if any(c.colour_change in (ColourChange.blue, ColourChange.black) for c in checkins):
        signs.append("a blue or black toe or foot")
    if any(c.cold_foot for c in checkins):
        signs.append("a cold foot")
    if any(c.rest_pain for c in checkins):
        signs.append("pain at rest")
    return signs


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    window = tl.checkins_in(tl.now - timedelta(days=cfg.acute_window_days), tl.now)
    sudden = [c for c in window if c.sudden_onset]
    if not sudden:
        return None
    last = tl.time_of(sudden[-1])
    when = f"{last:%d %b %Y %H:%M} UTC"
    parts = [f"Sudden onset of a painful, pale, cold, numb or weak leg reported at {when}."]
    also = _also_reported(sudden)
    if also:
        parts.append("The same check-in" + ("s" if len(sudden) > 1 else "") + " also reported " + ", ".join(also) + ".")
    parts.append(
        "This can be acute limb ischaemia, which is an emergency: the patient should be in emergency care now; "
        "contact them without waiting for a routine review."
    )
    return Finding(
        rule=RULE,
        severity=URGENT,
        entries=tl.ids(sudden),
        message=" ".join(parts),
        rule_version=VERSION,
        data={"reports": len(sudden), "last_report": last.isoformat(), "also_reported": also},
    )
