"""Painful walks whose pattern is more typical of neurogenic than arterial claudication.

TASC II differential table and Nadeau et al.: arterial claudication eases by
standing still within minutes; neurogenic claudication (lumbar spinal stenosis)
needs sitting, bending forward or lying down, feels like numbness, tingling or
weakness, and is worse downhill. This is not a progression flag: it points to a
different cause that may need a spinal assessment.
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from diary.entries import Relief, Sensation, Terrain, Walk

from .config import TrendConfig
from .finding import INFO, Finding
from .timeline import Timeline

RULE = "neurogenic_pattern"
VERSION = "1"
DESCRIPTION = (
    "Recent painful walks mostly relieved by sitting, bending forward or lying down, or with numbness, "
    "tingling or weakness, or with pain sooner downhill: pattern more typical of neurogenic claudication (info)."
)

_POSTURES = {Relief.sat_down, Relief.bent_forward, Relief.lay_down}
_RELIEF_ANSWERS = _POSTURES | {Relief.stood_still}
_NEURO = {Sensation.numbness, Sensation.tingling, Sensation.weakness}


def painful(walk: Walk) -> bool:
    return (
        walk.pain_onset_m is not None
        or walk.stopped_by_pain
        or (walk.relief is not None and walk.relief != Relief.no_pain)
        or bool(walk.pain_score)
        or bool(walk.sensations)
    )


def _majority(part: int, whole: int, cfg: TrendConfig) -> bool:
    return whole >= cfg.neuro_min_painful_walks and part > cfg.neuro_majority * whole


def _posture_relief(walks: list[Walk], cfg: TrendConfig) -> tuple[str, list[Walk]] | None:
    # Walks with no relief answer, or "not relieved", say nothing about posture.
    answered = [w for w in walks if w.relief in _RELIEF_ANSWERS]
    posture = [w for w in answered if w.relief in _POSTURES]
    if not _majority(len(posture), len(answered), cfg):
        return None
    return (
        f"{len(posture)} of {len(answered)} painful walks with a relief recorded were relieved by sitting down, "
        "bending forward or lying down rather than by standing still",
        posture,
    )


def _neuro_sensations(walks: list[Walk], cfg: TrendConfig) -> tuple[str, list[Walk]] | None:
    neuro = [w for w in walks if _NEURO.intersection(w.sensations)]
    if not _majority(len(neuro), len(walks), cfg):
        return None
    return f"numbness, tingling or weakness was reported on {len(neuro)} of {len(walks)} painful walks", neuro


def _worse_downhill(walks: list[Walk], cfg: TrendConfig, tl: Timeline) -> tuple[str, list[Walk]] | None:
    """Pain onset on downhill walks against flat walks around the same time.

    Comparing with flat walks within a few days, not with all flat walks,
    keeps a recent fall in distance (downhill walks happening to come after
    it) from looking like a terrain effect.
    """
    with_onset = [w for w in walks if w.pain_onset_m is not None]
    flat = [w for w in with_onset if w.terrain == Terrain.flat]
    near = timedelta(days=cfg.neuro_terrain_near_days)
    ratios: list[float] = []
    used: list[Walk] = []
    for down in (w for w in with_onset if w.terrain == Terrain.downhill):
        at = tl.time_of(down)
        around = [w.pain_onset_m for w in flat if abs(tl.time_of(w) - at) <= near]
        if len(around) < 2 or median(around) <= 0:
            continue
        ratios.append(down.pain_onset_m / median(around))
        used.append(down)
    if len(ratios) < cfg.neuro_min_terrain_walks:
        return None
    ratio = median(ratios)
    # A margin, because arterial patients' onset distances vary by chance too.
    if ratio > cfg.neuro_downhill_ratio:
        return None
    return (
        f"pain began sooner downhill: on {len(used)} downhill walks at a median of {ratio:.0%} of the "
        f"pain-free distance of flat walks within {cfg.neuro_terrain_near_days} days",
        used,
    )


def check(tl: Timeline, cfg: TrendConfig) -> Finding | None:
    walks = [w for w in tl.walks_in(tl.now - timedelta(days=cfg.neuro_window_days), tl.now) if painful(w)]
    if len(walks) < cfg.neuro_min_painful_walks:
        return None
    found = {
        "posture_relief": _posture_relief(walks, cfg),
        "neuro_sensations": _neuro_sensations(walks, cfg),
        "worse_downhill": _worse_downhill(walks, cfg, tl),
    }
    features = {name: seen for name, seen in found.items() if seen is not None}
    if not features:
        return None
    seen = "; ".join(text for text, _ in features.values())
    message = (
        f"Over the last {cfg.neuro_window_days} days, {seen}. This pattern is more typical of neurogenic "
        "claudication (for example lumbar spinal stenosis) than of arterial claudication, which eases by "
        "standing still within minutes (TASC II; Nadeau et al.). A spinal assessment may be worth considering. "
        "This is not a sign of progression."
    )
    evidence = [w for _, shown in features.values() for w in shown]
    return Finding(
        rule=RULE,
        severity=INFO,
        entries=tl.ids(evidence),
        message=message,
        rule_version=VERSION,
        data={"painful_walks": len(walks), "features": sorted(features)},
    )
