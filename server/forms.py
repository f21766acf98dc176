"""The walk and check-in forms: posted fields to an interchange entry and back.

Form fields carry the interchange names (``distance_m``, ``relief``...) so an
error from validation lands beside the field it concerns. A distance may be
tapped from quick choices or typed exactly, in metres, yards or minutes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar.datastructures import FormMultiDict

from diary.entries import CheckIn, EntryError, Walk, parse_entry
from diary.text import CONTROL_MESSAGE
from diary.units import Unit, to_metres

QUICK_DISTANCES = (50, 100, 200, 300, 500, 800, 1000, 1500)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# Plain words for the patient, beside the field; the API gives the exact rule.
FRIENDLY = {
    "id": "This form has expired. Please open it again.",
    "walked_at": "Enter when the walk started (not more than a day ahead).",
    "recorded_at": "Enter when this happened (not more than a day ahead).",
    "distance_m": "Choose or type how far you walked: 0 to 100,000 metres, or up to 1,440 minutes.",
    "pain_onset_m": "Pain can't start further than the whole walk. Check both distances.",
    "relief": "Choose what eased the pain.",
    "relief_minutes": "Enter minutes from 0 to 720.",
    "pain_sites": "Choose from foot, calf, thigh or buttock.",
    "side": "Choose left, right or both.",
    "sensations": "Choose from the listed feelings.",
    "terrain": "Choose the kind of ground.",
    "pain_score": "Choose a number from 0 to 10.",
    "note": "Please keep the note under 2,000 characters.",
    "wound_days": "Enter a number of days from 0 to 3,650.",
    "colour_change": "Choose pale, blue or black, or no change.",
}
# A note with a tab, a NUL or another control character in it (diary.text).
PLAIN_TEXT = "Please type the note as plain text: it holds a special character, such as a tab, that cannot be kept."
# Where a problem with a derived field is shown on the form.
SHOWN_AT = {"duration_min": "distance_m", "pain_onset_min": "pain_onset_m"}


@dataclass
class FormResult:
    values: dict[str, Any]              # what was typed, to show again
    errors: dict[str, str] = field(default_factory=dict)
    entry: Walk | CheckIn | None = None


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(text: str) -> float | str | None:
    if not text:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return text  # left for validation to reject, naming the field


def _yes(form: FormMultiDict, name: str) -> bool:
    return _text(form, name) in ("yes", "on", "true", "1")


def local_now(timezone: str, now: datetime) -> str:
    return now.astimezone(ZoneInfo(timezone)).strftime(DATETIME_LOCAL)


def _when(text: str, timezone: str, now: datetime) -> datetime | str:
    if not text:
        return now
    try:
        naive = datetime.strptime(text[:16], DATETIME_LOCAL)
    except ValueError:
        return text
    return naive.replace(tzinfo=ZoneInfo(timezone))


def _validate(data: dict[str, Any], values: dict[str, Any], now: datetime) -> FormResult:
    try:
        return FormResult(values=values, entry=parse_entry(data, now=now))
    except EntryError as exc:
        errors: dict[str, str] = {}
        for name, message in exc.problems:
            shown = SHOWN_AT.get(name, name.split(".")[0])
            errors.setdefault(shown, PLAIN_TEXT if message == CONTROL_MESSAGE else FRIENDLY.get(shown, message))
        return FormResult(values=values, errors=errors)


def _distance_fields(
    metres_field: str, minutes_field: str, value: float | str | None, unit: Unit, pace: float
) -> dict[str, Any]:
    if not isinstance(value, float):
        return {metres_field: value}
    if unit is Unit.minutes:
        return {minutes_field: value, metres_field: to_metres(value, unit, pace)}
    return {metres_field: to_metres(value, unit, pace)}


def read_walk(form: FormMultiDict, timezone: str, now: datetime, pace_m_per_min: float) -> FormResult:
    values: dict[str, Any] = {k: _text(form, k) for k in (
        "id", "walked_at", "distance_m", "distance_m_exact", "unit", "had_pain", "pain_onset_m",
        "pain_onset_m_exact", "stopped_by_pain", "relief", "relief_minutes", "side", "terrain",
        "pain_score", "note", "source", "duration_min", "pain_onset_min",
    )}
    values["pain_sites"] = form.getall("pain_sites", [])
    values["sensations"] = form.getall("sensations", [])
    unit = Unit(values["unit"]) if values["unit"] in Unit._value2member_map_ else Unit.metres
    values["unit"] = unit.value
    had_pain = values["had_pain"] != "no"
    # Quick choices are metres; the unit applies to a typed value.
    typed_unit = unit if values["distance_m_exact"] else Unit.metres
    distance = _number(values["distance_m_exact"] or values["distance_m"])
    onset_unit = unit if values["pain_onset_m_exact"] else Unit.metres
    onset = _number(values["pain_onset_m_exact"] or values["pain_onset_m"]) if had_pain else None
    data: dict[str, Any] = {
        "type": "walk",
        "id": values["id"] or str(uuid.uuid4()),
        "walked_at": _when(values["walked_at"], timezone, now),
        "stopped_by_pain": had_pain and values["stopped_by_pain"] == "yes",
        "relief": values["relief"] or ("no_pain" if not had_pain else None),
        "relief_minutes": _number(values["relief_minutes"]) if had_pain else None,
        "pain_sites": values["pain_sites"] if had_pain else [],
        "side": (values["side"] or None) if had_pain else None,
        "sensations": values["sensations"] if had_pain else [],
        "terrain": values["terrain"] or "flat",
        "pain_score": _number(values["pain_score"]) if values["pain_score"] else (0 if not had_pain else None),
        "source": values["source"] or "manual",
        "note": values["note"],
    }
    if values["source"] == "gps" and values["duration_min"]:
        data["duration_min"] = _number(values["duration_min"])
        # The phone timed when the pain began: kept as measured, like the duration.
        if had_pain and values["pain_onset_min"]:
            data["pain_onset_min"] = _number(values["pain_onset_min"])
    data.update(_distance_fields("distance_m", "duration_min", distance, typed_unit, pace_m_per_min))
    data.update(_distance_fields("pain_onset_m", "pain_onset_min", onset, onset_unit, pace_m_per_min))
    if Unit.minutes in (typed_unit, onset_unit) and (distance is not None or onset is not None):
        data["distance_estimated"] = True
    if had_pain and onset is None:
        return FormResult(values=values, errors={
            "pain_onset_m": "Choose or type how far you had walked when the pain began."})
    return _validate(data, values, now)


def read_check_in(form: FormMultiDict, timezone: str, now: datetime) -> FormResult:
    values: dict[str, Any] = {k: _text(form, k) for k in (
        "id", "recorded_at", "rest_pain", "wound", "wound_days", "colour_change", "note",
    )}
    for flag in ("rest_pain_at_night", "eased_by_hanging_leg", "cold_foot", "sudden_onset"):
        values[flag] = _yes(form, flag)
    rest_pain = values["rest_pain"] == "yes"
    wound = values["wound"] == "yes"
    data = {
        "type": "check_in",
        "id": values["id"] or str(uuid.uuid4()),
        "recorded_at": _when(values["recorded_at"], timezone, now),
        "rest_pain": rest_pain,
        "rest_pain_at_night": rest_pain and values["rest_pain_at_night"],
        "eased_by_hanging_leg": rest_pain and values["eased_by_hanging_leg"],
        "wound": wound,
        "wound_days": _number(values["wound_days"]) if wound else None,
        "colour_change": values["colour_change"] or None,
        "cold_foot": values["cold_foot"],
        "sudden_onset": values["sudden_onset"],
        "note": values["note"],
    }
    if isinstance(data["wound_days"], float) and data["wound_days"].is_integer():
        data["wound_days"] = int(data["wound_days"])
    return _validate(data, values, now)


def walk_values(walk: Walk, timezone: str) -> dict[str, Any]:
    """A saved walk as form values, for editing."""
    def fmt(x: float | None) -> str:
        return "" if x is None else f"{x:g}"

    in_minutes = walk.distance_estimated and walk.duration_min is not None
    return {
        "id": str(walk.id), "walked_at": walk.walked_at.astimezone(ZoneInfo(timezone)).strftime(DATETIME_LOCAL),
        "distance_m": "", "distance_m_exact": fmt(walk.duration_min if in_minutes else walk.distance_m),
        "unit": (Unit.minutes if in_minutes else Unit.metres).value,
        "had_pain": "yes" if walk.had_pain else "no", "pain_onset_m": "",
        "pain_onset_m_exact": fmt(walk.pain_onset_min if in_minutes and walk.pain_onset_min is not None
                                  else walk.pain_onset_m), "stopped_by_pain": "yes" if walk.stopped_by_pain else "no",
        "relief": walk.relief.value if walk.relief else "", "relief_minutes": fmt(walk.relief_minutes),
        "pain_sites": [p.value for p in walk.pain_sites], "side": walk.side.value if walk.side else "",
        "sensations": [s.value for s in walk.sensations], "terrain": walk.terrain.value,
        "pain_score": "" if walk.pain_score is None else str(walk.pain_score), "note": walk.note,
        "source": walk.source.value, "duration_min": fmt(walk.duration_min),
        "pain_onset_min": fmt(walk.pain_onset_min) if walk.source.value == "gps" else "",
    }


def check_in_values(check_in: CheckIn, timezone: str) -> dict[str, Any]:
    return {
        "id": str(check_in.id),
        "recorded_at": check_in.recorded_at.astimezone(ZoneInfo(timezone)).strftime(DATETIME_LOCAL),
        "rest_pain": "yes" if check_in.rest_pain else "no", "rest_pain_at_night": check_in.rest_pain_at_night,
        "eased_by_hanging_leg": check_in.eased_by_hanging_leg, "wound": "yes" if check_in.wound else "no",
        "wound_days": "" if check_in.wound_days is None else str(check_in.wound_days),
        "colour_change": check_in.colour_change.value if check_in.colour_change else "",
        "cold_foot": check_in.cold_foot, "sudden_onset": check_in.sudden_onset, "note": check_in.note,
    }
