"""Jinja filters and globals for the pages: local times, distances, plain words for codes,
flag headlines, hashed static addresses."""

from __future__ import annotations

from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine

from diary import flag_words, measurements, summary
from diary.entries import CheckIn
from diary.labels import label, labels
from diary.zones import local_time, zone_name
from server.static_files import StaticFiles

RELIEF_WORDS = {
    "stood_still": "Standing still eased it", "sat_down": "Sitting down eased it",
    "bent_forward": "Bending forward eased it", "lay_down": "Lying down eased it",
    "not_relieved": "Nothing eased it", "no_pain": "No pain",
}


def metres(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} m" if value < 1000 else f"{round(value / 1000, 2):g} km"


def relief_words(value: Any) -> str:
    return RELIEF_WORDS.get(getattr(value, "value", value), str(value))


def check_in_words(entry: CheckIn) -> str:
    said = []
    if entry.rest_pain:
        said.append("Pain at rest" + (" at night" if entry.rest_pain_at_night else ""))
    if entry.wound:
        said.append("A wound" + (f" for {entry.wound_days} days" if entry.wound_days else ""))
    if entry.colour_change:
        said.append(f"Toe or foot {entry.colour_change.value}")
    if entry.cold_foot:
        said.append("Cold foot")
    if entry.sudden_onset:
        said.append("Sudden change in the leg")
    return ". ".join(said) + "." if said else "No warning signs."


def quick_label(value: int) -> tuple[str, str]:
    return str(value), metres(value)


def pair(value: int) -> tuple[str, str]:
    return str(value), str(value)


def install_filters(engine: JinjaTemplateEngine, static: StaticFiles) -> None:
    engine.engine.filters.update(
        local_time=local_time, metres=metres, relief_words=relief_words, check_in_words=check_in_words,
        quick_label=quick_label, pair=pair, label=label, labels=labels, zone_name=zone_name,
        flag_text=flag_words.describe, measurement=measurements.describe, versus=summary.versus,
    )
    engine.engine.globals.update(static=static.url)
