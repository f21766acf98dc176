"""A fall in walking distance against the patient's own best recent level.

The product default is a fall of 30% of the patient's own median, confirmed by
at least 3 walks (clinical brief; the EXITPAD minimally important change of
about 147 m is a treadmill figure and does not transfer to daily walks).
The baseline is the best 28-day median over the previous 6 months, so a slow
decline over months is measured from where the patient was, not from last
month. Rest pain and wounds drive urgent flags; a falling distance alone is a
prompt for review.
"""

from __future__ import annotations

from .config import TrendConfig
from .distance import METRICS, Comparison, compare, describe_recent, estimated_note, recent_walks
from .finding import REVIEW, Finding
from .timeline import Timeline, fmt_m

RULE = "distance_decline"
VERSION = "1"
DESCRIPTION = (
    "Median maximum or pain-free walking distance over the last 14 days is 30% or more below the "
    "patient's best 28-day median of the previous 6 months, confirmed by at least 3 walks: review."
)


def declined(comparison: Comparison | None, cfg: TrendConfig) -> bool:
    return (
        comparison is not None
        and comparison.fell()
        and comparison.confirming_walks >= cfg.min_confirming_walks
    )


def _sentence(c: Comparison, cfg: TrendConfig) -> str:
    return (
        f"{describe_recent(c, cfg)}, {c.decline_pct}% below the baseline of {fmt_m(c.baseline.median_m)} "
        f"({c.baseline.describe(cfg)}); {c.confirming_walks} of the {c.recent_walks} recent walks were "
        f"{cfg.decline_fraction:.0%} or more below it."
    )


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    comparisons = {m.key: compare(tl, cfg, m, cfg.decline_fraction) for m in METRICS}
    fallen = [c for c in comparisons.values() if declined(c, cfg)]
    if not fallen:
        return None
    walks = recent_walks(tl, cfg)
    message = (
        " ".join(_sentence(c, cfg) for c in fallen)
        + estimated_note(walks)
        + f" A fall of {cfg.decline_fraction:.0%} or more from the patient's own best level, confirmed by "
        f"{cfg.min_confirming_walks} walks, is a prompt for review (a product threshold, not a guideline "
        "figure); it does not by itself say why."
    )
    data = {"metric": fallen[0].metric.key, **fallen[0].data()}
    for key, c in comparisons.items():
        data[key] = None if c is None else {**c.data(), "declined": declined(c, cfg)}
    return Finding(
        rule=RULE,
        severity=REVIEW,
        entries=tl.ids(walks),
        message=message,
        rule_version=VERSION,
        data=data,
    )
