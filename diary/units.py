"""Distances as patients give them: metres, yards, or minutes walked.

Minutes are kept as given (``duration_min``, ``pain_onset_min``) and turned
into metres with the patient's own pace from their GPS-measured walks when
there are any, else with a default pace for people with claudication, and the
entry is marked ``distance_estimated``.

The default, 50 m/min (3 km/h), is a product choice: people with intermittent
claudication walk more slowly than the 80 m/min of healthy older adults, and
their mean 6-minute walk of about 350 m (McDermott et al., WALCS cohort)
is a flat-out test pace; everyday walking is slower. It is configurable
(DIARY_DEFAULT_SPEED_M_PER_MIN).
"""

from __future__ import annotations

from enum import StrEnum

METRES_PER_YARD = 0.9144


class Unit(StrEnum):
    metres = "m"
    yards = "yd"
    minutes = "min"


def to_metres(value: float, unit: Unit, pace_m_per_min: float) -> float:
    if unit is Unit.metres:
        return value
    if unit is Unit.yards:
        return round(value * METRES_PER_YARD, 1)
    return round(value * pace_m_per_min, 1)
