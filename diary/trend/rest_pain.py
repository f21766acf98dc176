"""Rest pain reported on check-ins: the first sign of limb-threatening ischaemia.

Global Vascular Guidelines 2019: ischaemic rest pain for more than 2 weeks is
part of the definition of chronic limb-threatening ischaemia (CLTI). The
typical picture is pain at night in bed, eased by hanging the foot down.
"""

from __future__ import annotations

from datetime import timedelta

from diary.entries import CheckIn

from .config import TrendConfig
from .finding import REVIEW, URGENT, Finding
from .timeline import Timeline, calendar_days, fmt_date, plural

RULE = "rest_pain"
VERSION = "1"
DESCRIPTION = "Pain at rest reported on check-ins: urgent when it has lasted 2 weeks or comes at night and eases with the leg hanging down."


def reports_rest_pain(checkin: CheckIn) -> bool:
    # Night pain and relief by hanging the leg both describe rest pain, so a
    # check-in that ticks either without the main box still reports it.
    return checkin.rest_pain or checkin.rest_pain_at_night or checkin.eased_by_hanging_leg


def _classic(checkin: CheckIn) -> bool:
    return checkin.rest_pain_at_night and checkin.eased_by_hanging_leg


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    run = tl.current_run(reports_rest_pain, timedelta(days=cfg.sign_lookback_days))
    if not run:
        return None
    first, last = tl.time_of(run[0]), tl.time_of(run[-1])
    span = calendar_days(first, last)
    classic = [c for c in run if _classic(c)]
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
    if persistent:
        parts.append(
            f"Rest pain for {cfg.rest_pain_urgent_days} days or more is one of the signs that define chronic "
            "limb-threatening ischaemia (Global Vascular Guidelines 2019)."
        )
    if persistent or classic:
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
        },
    )
