"""Signs of a wound or foot infection on the latest check-ins.

A wound with spreading redness, swelling, warmth, pus or a bad smell, or with
a fever or feeling unwell, is an infection. In a person with diabetes a foot
infection needs immediate referral to acute services (NICE NG19), and with a
fever or feeling unwell it may be spreading: both are emergencies. Otherwise
it needs treating the same day.
"""

from __future__ import annotations

from datetime import timedelta

from diary import signs
from diary.entries import InfectionSign

from .config import TrendConfig
from .finding import EMERGENCY, URGENT, Finding
from .timeline import Timeline, fmt_date, plural

RULE = "wound_infection"
VERSION = "1"
DESCRIPTION = ("Signs of a wound or foot infection on the latest check-in: emergency with a fever or feeling "
               "unwell, or in a person with diabetes; otherwise urgent.")

_WORDS = {s.value: signs.PHRASES[s.value] for s in InfectionSign if s != InfectionSign.fever}


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    run = tl.current_run(signs.infection, timedelta(days=cfg.sign_lookback_days))
    if not run:
        return None
    first, last = tl.time_of(run[0]), tl.time_of(run[-1])
    seen = sorted({s.value for c in run for s in c.infection_signs or () if s.value in _WORDS},
                  key=list(_WORDS).index)
    unwell = any(signs.unwell(c) for c in run)
    diabetes = bool(tl.patient.diabetes)
    when = (f"on the check-in of {fmt_date(last)}" if len(run) == 1 else
            f"on {plural(len(run), 'check-in')} from {fmt_date(first)} to {fmt_date(last)}")
    what = ", ".join(_WORDS[s] for s in seen) or "a wound"
    parts = [f"Signs of a wound or foot infection ({what}) reported {when}."]
    if unwell:
        parts.append("A fever or feeling unwell was reported with it: the infection may be spreading.")
    if diabetes:
        parts.append("The patient has diabetes: a diabetic foot infection needs immediate referral to acute "
                     "services (NICE NG19).")
    if unwell or diabetes:
        parts.append("Contact the patient now; they have been told to get help now.")
    else:
        parts.append("A wound infection in a patient with claudication needs treating today. If the patient has "
                     "diabetes (not recorded), it needs immediate referral (NICE NG19).")
    code = "infected_wound_unwell" if unwell else "infected_wound_diabetes" if diabetes else "infected_wound"
    return Finding(
        rule=RULE,
        severity=EMERGENCY if unwell or diabetes else URGENT,
        entries=tl.ids(run),
        message=" ".join(parts),
        rule_version=VERSION,
        data={"reports": len(run), "last_report": last.isoformat(), "infection_signs": seen,
              "fever_or_unwell": unwell, "diabetes": tl.patient.diabetes, "signs": [code]},
    )
