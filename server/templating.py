"""Jinja filters and globals for the pages: local times, distances, plain words for codes,
flag headlines, hashed static addresses."""

from __future__ import annotations

from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from diary import flag_words, measurements, signs, summary
from diary.advice import EMERGENCY_NUMBER
from diary.clinics import Contact, tel_href
from diary.entries import CheckIn, Walk
from diary.labels import label, labels
from diary.zones import local_day, local_time, zone_name
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


def check_in_words(entry: CheckIn | Walk) -> str:
    """Every danger-sign answer of an entry, in plain words (diary.signs.describe)."""
    return signs.describe(entry)


def call_links(text: str, contact: Contact) -> Markup:
    """Advice text with the emergency number as a tap-to-call link."""
    number = contact.emergency_number
    link = Markup('<a class="tel" href="{}">{}</a>').format(tel_href(number), number)
    return Markup(link).join(escape(part) for part in text.split(EMERGENCY_NUMBER))


def quick_label(value: int) -> tuple[str, str]:
    return str(value), metres(value)


def pair(value: int) -> tuple[str, str]:
    return str(value), str(value)


def install_filters(engine: JinjaTemplateEngine, static: StaticFiles) -> None:
    engine.engine.filters.update(
        local_time=local_time, metres=metres, relief_words=relief_words, check_in_words=check_in_words,
        quick_label=quick_label, pair=pair, label=label, labels=labels, zone_name=zone_name,
        flag_text=flag_words.describe, measurement=measurements.describe, versus=summary.versus,
        call_links=call_links, tel_href=tel_href, local_day=local_day,
    )
    engine.engine.globals.update(static=static.url)
