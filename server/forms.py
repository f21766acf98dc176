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
    "colour_change": "Choose no, pale, blue or black.",
    "infection_signs": "Choose from the listed signs, or None of these.",
    "heart_symptoms": "Choose from the listed feelings, or None of these.",
    "cauda_equina_signs": "Choose from the listed changes, or None of these.",
    "sudden_onset_days_ago": "Choose when it started.",
}
# Answers that contradict each other are asked about, never settled silently
# (web/static/pwa/entry.js has the same words).
CONTRADICTION = {
    "rest_pain": "You answered No, but ticked that the pain comes at night or eases when you hang your leg down. "
                 "Please check: do you have pain in your leg or foot when you are resting?",
    "sudden_onset": "You answered No, but chose when it started. Please check: has your leg or foot suddenly "
                    "become painful, pale, cold, numb or weak?",
    "wound": "You gave a number of days. Please check: do you have a wound, sore or ulcer now?",
    "none": "You ticked None of these and something else too. Please check your answer.",
}
# Tick-any groups: nothing ticked is "not answered" (null); "none" is an answer.
GROUPS = ("infection_signs", "heart_symptoms", "cauda_equina_signs")
NONE = "none"
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


def _group(form: FormMultiDict, name: str, errors: dict[str, str]) -> list[str] | None:
    """A tick-any group: None when nothing is ticked, [] for "None of these"."""
    ticked = [v for v in form.getall(name, []) if isinstance(v, str) and v]
    if not ticked:
        return None
    if NONE in ticked:
        if len(ticked) > 1:
            errors.setdefault(name, CONTRADICTION["none"])
        return []
    return ticked


def _answer(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text)


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


def _clock(form: FormMultiDict, data: dict[str, Any]) -> None:
    """The correction for the phone's clock, when the page took the entry's time
    from it and it was out (web/static/pwa/offline.js fills this hidden field)."""
    offset = _number(_text(form, "clock_offset_s"))
    if offset is not None:
        data["clock_offset_s"] = int(offset) if isinstance(offset, float) and offset.is_integer() else offset


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
    values["heart_symptoms"] = form.getall("heart_symptoms", [])
    errors: dict[str, str] = {}
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
        "heart_symptoms": _group(form, "heart_symptoms", errors),
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
    _clock(form, data)
    result = _validate(data, values, now)
    if had_pain and onset is None:
        # Said with every other problem at once, never one after another.
        errors.setdefault("pain_onset_m", "Choose or type how far you had walked when the pain began.")
    if errors:
        return FormResult(values=values, errors={**result.errors, **errors})
    return result


def read_check_in(form: FormMultiDict, timezone: str, now: datetime) -> FormResult:
    """The check-in form as an entry. Nothing the patient gives is dropped: a question
    left blank is null ("not asked"), and answers that contradict each other are
    asked about (an error beside the question) rather than settled."""
    values: dict[str, Any] = {k: _text(form, k) for k in (
        "id", "recorded_at", "rest_pain", "wound", "wound_days", "colour_change", "sudden_onset",
        "sudden_onset_days_ago", "note",
    )}
    for flag in ("rest_pain_at_night", "eased_by_hanging_leg"):
        values[flag] = _yes(form, flag)
    for name in (*GROUPS, "foot"):
        values[name] = form.getall(name, [])
    errors: dict[str, str] = {}
    rest, wound, colour, sudden = values["rest_pain"], values["wound"], values["colour_change"], values["sudden_onset"]
    if rest == "no" and (values["rest_pain_at_night"] or values["eased_by_hanging_leg"]):
        errors["rest_pain"] = CONTRADICTION["rest_pain"]
    if sudden == "no" and values["sudden_onset_days_ago"]:
        errors["sudden_onset"] = CONTRADICTION["sudden_onset"]
    if wound != "yes" and values["wound_days"]:
        errors["wound"] = CONTRADICTION["wound"]
    foot = _group(form, "foot", errors)
    asked_rest = rest in ("yes", "no")
    data = {
        "type": "check_in",
        "id": values["id"] or str(uuid.uuid4()),
        "recorded_at": _when(values["recorded_at"], timezone, now),
        "rest_pain": _answer(rest),
        "rest_pain_at_night": True if values["rest_pain_at_night"] else (False if asked_rest else None),
        "eased_by_hanging_leg": True if values["eased_by_hanging_leg"] else (False if asked_rest else None),
        "wound": {"yes": True, "no": False, "healed": False}.get(wound),
        "wound_days": _number(values["wound_days"]) if wound == "yes" else None,
        "wound_healed": True if wound == "healed" else None,
        "colour_change": None if colour in ("", "healed") else colour,
        "colour_healed": True if colour == "healed" else None,
        "cold_foot": None if foot is None else "cold" in foot,
        "numb_foot": None if foot is None else "numb" in foot,
        "sudden_onset": _answer(sudden),
        "sudden_onset_days_ago": _number(values["sudden_onset_days_ago"]),
        "note": values["note"],
        **{name: _group(form, name, errors) for name in GROUPS},
    }
    if foot is not None and not set(foot) <= {"cold", "numb"}:
        errors.setdefault("foot", "Choose cold, numb, or neither.")
    for name in ("wound_days", "sudden_onset_days_ago"):
        if isinstance(data[name], float) and data[name].is_integer():
            data[name] = int(data[name])
    _clock(form, data)
    result = _validate(data, values, now)
    if errors:  # said with every other problem at once
        return FormResult(values=values, errors={**result.errors, **errors})
    return result


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _quick_or_typed(metres: float | None, typed: float | None) -> tuple[str, str]:
    """A saved distance as (quick choice, typed box): a distance that is one of the quick
    choices comes back as that button, chosen; anything else is typed in the box."""
    if metres is not None and metres in QUICK_DISTANCES:
        return str(int(metres)), ""
    return "", _fmt(typed)


def walk_values(walk: Walk, timezone: str) -> dict[str, Any]:
    """A saved walk as form values, for editing (its time corrected for the phone's clock)."""

    in_minutes = walk.distance_estimated and walk.duration_min is not None
    onset_in_minutes = in_minutes and walk.pain_onset_min is not None
    distance, distance_exact = _quick_or_typed(None if in_minutes else walk.distance_m,
                                               walk.duration_min if in_minutes else walk.distance_m)
    onset, onset_exact = _quick_or_typed(None if onset_in_minutes else walk.pain_onset_m,
                                         walk.pain_onset_min if onset_in_minutes else walk.pain_onset_m)
    return {
        "id": str(walk.id), "walked_at": walk.occurred_at.astimezone(ZoneInfo(timezone)).strftime(DATETIME_LOCAL),
        "distance_m": distance, "distance_m_exact": distance_exact,
        "unit": (Unit.minutes if in_minutes else Unit.metres).value,
        "had_pain": "yes" if walk.had_pain else "no", "pain_onset_m": onset, "pain_onset_m_exact": onset_exact,
        "stopped_by_pain": "yes" if walk.stopped_by_pain else "no",
        "relief": walk.relief.value if walk.relief else "", "relief_minutes": _fmt(walk.relief_minutes),
        "pain_sites": [p.value for p in walk.pain_sites], "side": walk.side.value if walk.side else "",
        "sensations": [s.value for s in walk.sensations], "terrain": walk.terrain.value,
        "pain_score": "" if walk.pain_score is None else str(walk.pain_score), "note": walk.note,
        "source": walk.source.value, "duration_min": _fmt(walk.duration_min),
        "pain_onset_min": _fmt(walk.pain_onset_min) if walk.source.value == "gps" else "",
        "heart_symptoms": _group_values(walk.heart_symptoms),
    }


def _group_values(values: list[Any] | None) -> list[str]:
    return [] if values is None else [getattr(v, "value", v) for v in values] or [NONE]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def check_in_values(check_in: CheckIn, timezone: str) -> dict[str, Any]:
    """A saved check-in as form values, for editing: every answer as it was given."""
    foot = [name for name, on in (("cold", check_in.cold_foot), ("numb", check_in.numb_foot)) if on]
    if not foot and (check_in.cold_foot is False or check_in.numb_foot is False):
        foot = ["none"]
    colour = check_in.colour_change.value if check_in.colour_change else ""
    return {
        "id": str(check_in.id),
        "recorded_at": check_in.occurred_at.astimezone(ZoneInfo(timezone)).strftime(DATETIME_LOCAL),
        "rest_pain": _yes_no(check_in.rest_pain), "rest_pain_at_night": bool(check_in.rest_pain_at_night),
        "eased_by_hanging_leg": bool(check_in.eased_by_hanging_leg),
        "wound": "healed" if check_in.wound_healed else _yes_no(check_in.wound),
        "wound_days": "" if check_in.wound_days is None else str(check_in.wound_days),
        "colour_change": "healed" if check_in.colour_healed else colour,
        "foot": foot, "sudden_onset": _yes_no(check_in.sudden_onset),
        "sudden_onset_days_ago": "" if check_in.sudden_onset_days_ago is None else str(check_in.sudden_onset_days_ago),
        "infection_signs": _group_values(check_in.infection_signs),
        "heart_symptoms": _group_values(check_in.heart_symptoms),
        "cauda_equina_signs": _group_values(check_in.cauda_equina_signs),
        "note": check_in.note,
    }
