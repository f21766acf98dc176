"""Chest pain, breathlessness, palpitations or feeling faint while walking.

Walking to the point of claudication is prescribed exercise, and coronary
disease is common in peripheral artery disease (ESC 2024 PAD guideline).
Chest pain or tightness on exertion is an emergency (NHS heart-attack advice);
much more breathlessness than usual, palpitations or feeling faint on exertion
need a same-day review. A report stays a finding for ``event_window_days``
after it reached the diary, whatever later entries say: a person must
acknowledge it.
"""

from __future__ import annotations

from datetime import timedelta

from diary import signs
from diary.entries import HeartSymptom

from .config import TrendConfig
from .finding import EMERGENCY, URGENT, Finding
from .timeline import Timeline, fmt_date

RULE = "heart_symptoms"
VERSION = "1"
DESCRIPTION = ("Chest pain or tightness while walking: emergency; much more breathless than usual, palpitations "
               "or feeling faint while walking: urgent (reported in the last 14 days).")


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    window = timedelta(days=cfg.event_window_days)
    reports = [e for e in tl.entries if signs.heart(e) and tl.now - tl.reported_at(e) < window]
    if not reports:
        return None
    found = [s for s in HeartSymptom if any(s in signs.heart(e) for e in reports)]
    chest = HeartSymptom.chest_pain in found
    lines = [f"{fmt_date(tl.time_of(e))} ({'walk' if e.type == 'walk' else 'check-in'}): "
             + ", ".join(signs.PHRASES[s.value] for s in signs.heart(e)) for e in reports[-5:]]
    parts = ["Reported " + "; ".join(lines) + "."]
    if chest:
        parts.append("Chest pain or tightness on exertion can be angina or a heart attack: contact the patient "
                     "now; they have been told to call the emergency number if it lasts or comes with sweating, "
                     "sickness or breathlessness, and not to walk for exercise until checked.")
    else:
        parts.append("Breathlessness out of proportion, palpitations or feeling faint on exertion can come from "
                     "the heart (coronary disease is common in PAD, ESC 2024): the patient needs a same-day review "
                     "before walking for exercise again.")
    return Finding(
        rule=RULE,
        severity=EMERGENCY if chest else URGENT,
        entries=tl.ids(reports),
        message=" ".join(parts),
        rule_version=VERSION,
        data={"reports": len(reports), "symptoms": [s.value for s in found],
              "last_report": tl.time_of(reports[-1]).isoformat(), "signs": [s.value for s in found]},
    )
