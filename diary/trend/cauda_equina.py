"""Cauda equina red flags: neurogenic claudication's own emergency.

Numbness around the back passage or genitals (saddle area), new trouble
passing urine or controlling bladder or bowel, or weakness in both legs
getting worse: the patient should go to an emergency department now (NICE CKS
and NHS cauda equina advice; BMJ Best Practice). A report stays a finding for
``event_window_days`` after it reached the diary, whatever later entries say.
"""

from __future__ import annotations

from datetime import timedelta

from diary import signs
from diary.entries import CaudaEquinaSign

from .config import TrendConfig
from .finding import EMERGENCY, Finding
from .timeline import Timeline, fmt_date, plural

RULE = "cauda_equina"
VERSION = "1"
DESCRIPTION = "Saddle numbness, new bladder or bowel trouble, or worsening weakness in both legs: emergency."


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    window = timedelta(days=cfg.event_window_days)
    reports = [c for c in tl.checkins if signs.cauda_equina(c) and tl.now - tl.reported_at(c) < window]
    if not reports:
        return None
    found = [s for s in CaudaEquinaSign if any(s in signs.cauda_equina(c) for c in reports)]
    last = tl.time_of(reports[-1])
    when = (f"on the check-in of {fmt_date(last)}" if len(reports) == 1 else
            f"on {plural(len(reports), 'check-in')}, the last on {fmt_date(last)}")
    message = (
        f"Reported {when}: {', '.join(signs.PHRASES[s.value] for s in found)}. These are red flags of cauda "
        "equina syndrome: the patient should be in an emergency department now (NICE CKS; BMJ Best Practice). "
        "They have been told to go now; contact them without waiting for a routine review."
    )
    return Finding(
        rule=RULE, severity=EMERGENCY, entries=tl.ids(reports), message=message, rule_version=VERSION,
        data={"reports": len(reports), "signs_reported": [s.value for s in found], "last_report": last.isoformat(),
              "signs": ["cauda_equina"]},
    )
