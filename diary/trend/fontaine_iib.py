"""Maximum walking distance crossing below 200 m: Fontaine IIa to IIb.

Fontaine: IIa claudication beyond 200 m, IIb under 200 m (some sources use
150 m; ``fontaine_threshold_m``). The stage here is an estimate from
patient-reported daily walks, which run longer than treadmill distances, so it
is a prompt to look, not a staging. The crossing must also be a real fall
(``fontaine_min_drop_fraction``) confirmed by at least 3 walks, so a stable
patient whose distance hovers around the threshold is not flagged by noise.
"""

from __future__ import annotations

from .config import TrendConfig
from .distance import MAXIMUM, compare, describe_recent, estimated_note, recent_walks
from .finding import REVIEW, Finding
from .timeline import Timeline, fmt_m

RULE = "fontaine_iib"
VERSION = "1"
DESCRIPTION = (
    "Median maximum walking distance over the last 14 days has fallen under 200 m from a baseline "
    "above 200 m (estimated Fontaine IIa to IIb): review."
)


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    c = compare(tl, cfg, MAXIMUM, cfg.fontaine_min_drop_fraction)
    limit_m = cfg.fontaine_threshold_m
    if c is None or not (c.baseline.median_m > limit_m and c.recent_median_m < limit_m and c.fell()):
        return None
    walks = recent_walks(tl, cfg)
    distances = [MAXIMUM.value(w) for w in walks]
    confirming = sum(1 for d in distances if d < limit_m and d <= c.limit_m)
    if confirming < cfg.min_confirming_walks:
        return None
    message = (
        f"{describe_recent(c, cfg)}, under {fmt_m(limit_m)}; the baseline was {fmt_m(c.baseline.median_m)} "
        f"({c.baseline.describe(cfg)}), so it is {c.decline_pct}% lower."
        f"{estimated_note(walks)} On the Fontaine scale claudication under {fmt_m(limit_m)} is stage IIb and "
        f"beyond it IIa; this is an estimate from patient-reported walks, not a clinical staging."
    )
    return Finding(
        rule=RULE,
        severity=REVIEW,
        entries=tl.ids(walks),
        message=message,
        rule_version=VERSION,
        data={**c.data(), "confirming_walks": confirming, "threshold_m": limit_m},
    )
