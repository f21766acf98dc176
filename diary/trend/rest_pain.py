"""Rest pain reported on check-ins: the first sign of limb-threatening ischaemia.

Global Vascular Guidelines 2019: ischaemic rest pain for more than 2 weeks is
part of the definition of chronic limb-threatening ischaemia (CLTI). The
typical picture is pain at night in bed, eased by hanging the foot down. Rest
pain with a pale, cold or numb foot on the same check-in is acute-on-chronic
ischaemia or advanced CLTI: same-day assessment from the first report (RCEM;
ESVS 2020).
"""

from __future__ import annotations

from datetime import timedelta

from diary import signs
from diary.entries import CheckIn

from .config import TrendConfig
from .finding import REVIEW, URGENT, Finding
from .timeline import Timeline, calendar_days, fmt_date, plural

RULE = "rest_pain"
VERSION = "2"
DESCRIPTION = ("Pain at rest reported on check-ins: urgent when it has lasted 2 weeks, comes at night and eases "
               "with the leg hanging down, or comes with a pale, cold or numb foot.")

# Night pain and relief by hanging the leg both describe rest pain, so a
# check-in that ticks either without the main box still reports it.
reports_rest_pain = signs.rest_pain


def _classic(checkin: CheckIn) -> bool:
    return signs.typical_rest_pain(checkin)


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    run = tl.current_run(reports_rest_pain, timedelta(days=cfg.sign_lookback_days))
    if not run:
        return None
    first, last = tl.time_of(run[0]), tl.time_of(run[-1])
    span = calendar_days(first, last)
    classic = [c for c in run if _classic(c)]
    with_foot = [c for c in run if signs.acute_on_chronic(c)]
    persistent = span >= cfg.rest_pain_urgent_days

    if len(run) == 1:
        seen = f"Rest pain reported on the check-in of {fmt_date(last)}"
    else:
        seen = (
            f"Rest pain reported on {plural(len(run), 'check-in')} from {fmt_date(first)} to {fmt_date(last)} "
            f"({plural(span, 'day')} apart), with no check-in in between saying it had stopped"
        )
    parts = [seen + "."]
    if classic:
        parts.append(
            f"It comes at night in bed and eases when the leg hangs down (reported {fmt_date(tl.time_of(classic[-1]))}): "
            "the typical picture of ischaemic rest pain."
        )
    if with_foot:
        foot = signs.foot_changes(with_foot[-1])
        parts.append(
            f"On {fmt_date(tl.time_of(with_foot[-1]))} it came with a {' and '.join(foot)} foot on the same check-in: "
            "rest pain with a pale, cold or numb foot can be acute-on-chronic ischaemia or advanced chronic "
            "limb-threatening ischaemia and needs same-day assessment (RCEM; ESVS 2020)."
        )
    if persistent:
        parts.append(
            f"Rest pain for {cfg.rest_pain_urgent_days} days or more is one of the signs that define chronic "
            "limb-threatening ischaemia (Global Vascular Guidelines 2019)."
        )
    if persistent or classic or with_foot:
        severity = URGENT
        parts.append("Suspected limb-threatening ischaemia calls for urgent assessment by a vascular team.")
    else:
        severity = REVIEW
        parts.append(
            "Rest pain can mean the blood supply is getting worse; please review. It becomes urgent if it "
            f"persists for {cfg.rest_pain_urgent_days} days or comes at night and eases with the leg hanging down."
        )
    return Finding(
        rule=RULE,
        severity=severity,
        entries=tl.ids(run),
        message=" ".join(parts),
        rule_version=VERSION,
        data={
            "reports": len(run),
            "first_report": first.isoformat(),
            "last_report": last.isoformat(),
            "span_days": span,
            "night_and_eased_by_hanging": bool(classic),
            "with_pale_cold_or_numb_foot": bool(with_foot),
            "signs": ["rest_pain_pale_cold_numb" if with_foot else "rest_pain_typical" if classic else "rest_pain"],
        },
    )
