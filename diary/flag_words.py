"""What a page says about a flag: a one-line headline and the full message, built when shown.

A flag keeps its rule, the rule's version, the finding's numbers (``data``)
and the message written when it was raised. The queue needs one line per flag
("Rest pain for 16 days", "Maximum distance 59% below usual"), so each rule
registers here how to say that from its data, and, if need be, how to show
its stored message (in the reader's time zone, say). Building the words when
shown keeps them translatable later. A flag whose rule or version has no entry
here, or whose data lacks what the entry reads, falls back to the stored text:
its first sentence as the headline, the whole as the message.

To add a rule: write ``@words("my_rule")`` over a function ``(data, zone) -> str``
(``versions=`` if its data changed shape between versions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from diary.labels import label
from diary.trend.timeline import plural
from diary.zones import local_time

HEADLINE_CHARS = 90

Headline = Callable[[dict[str, Any], str], str]
Message = Callable[[str, dict[str, Any], str], str]


@dataclass(frozen=True)
class RuleWords:
    headline: Headline
    versions: frozenset[str]
    message: Message | None = None  # the stored message as shown; None: as stored


REGISTRY: dict[str, RuleWords] = {}


def words(rule: str, versions: Iterable[str] = ("1",),
          message: Message | None = None) -> Callable[[Headline], Headline]:
    """Register a rule's headline (and optionally how its message is shown)."""
    def register(headline: Headline) -> Headline:
        REGISTRY[rule] = RuleWords(headline, frozenset(versions), message)
        return headline
    return register


@dataclass(frozen=True)
class FlagText:
    headline: str
    message: str


def first_sentence(message: str, limit: int = HEADLINE_CHARS) -> str:
    """The stored message's first sentence, cut at a word to fit one line."""
    text = " ".join(message.split())
    for end in (". ", ": "):
        if end in text:
            text = text.split(end, 1)[0]
    text = text.rstrip(".")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;") + "…"


def flag_text(rule: str, rule_version: str, data: dict[str, Any] | None, message: str, timezone: str) -> FlagText:
    """The headline and message of a flag (or a finding) as a reader in ``timezone`` sees them."""
    entry = REGISTRY.get(rule)
    if entry is None or rule_version not in entry.versions or not data:
        return FlagText(first_sentence(message), message)
    try:
        headline = entry.headline(data, timezone)
        shown = entry.message(message, data, timezone) if entry.message else message
    except (KeyError, TypeError, ValueError, AttributeError):  # data of another shape: the stored words
        return FlagText(first_sentence(message), message)
    return FlagText(headline or first_sentence(message), shown)


def describe(flag: Any, timezone: str) -> FlagText:
    """``flag_text`` for a stored ``Flag``; ``(No longer seen)`` ahead of a flag the rules no longer see."""
    text = flag_text(flag.rule, flag.rule_version, flag.data, flag.message, timezone)
    if getattr(flag, "cleared_at", None) is not None:
        return FlagText("No longer seen: " + text.headline, text.message)
    return text


# --- the rules -------------------------------------------------------------------------


def _day(iso: str, timezone: str) -> str:
    local = datetime.fromisoformat(iso).astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b}"


def _m(value: float) -> str:
    return f"{value:,.0f} m"


@words("rest_pain", versions=("1", "2"))
def _rest_pain(data: dict[str, Any], zone: str) -> str:
    span = int(data["span_days"])
    text = f"Rest pain for {plural(span, 'day')}" if span >= 1 else f"Rest pain reported {_day(data['last_report'], zone)}"
    if data.get("with_pale_cold_or_numb_foot"):
        text += ", with a pale, cold or numb foot"
    elif data.get("night_and_eased_by_hanging"):
        text += ", at night, eased by hanging the leg down"
    return text


_METRIC_WORDS = {"maximum": "Maximum distance", "pain_free": "Pain-free distance"}


@words("distance_decline")
def _distance_decline(data: dict[str, Any], zone: str) -> str:
    fallen = [(key, data[key]["decline_pct"]) for key in ("maximum", "pain_free")
              if isinstance(data.get(key), dict) and data[key].get("declined")]
    if not fallen:
        fallen = [(data["metric"], data["decline_pct"])]
    if len(fallen) == 2:
        return f"Maximum distance {fallen[0][1]}% and pain-free {fallen[1][1]}% below usual"
    key, pct = fallen[0]
    return f"{_METRIC_WORDS[key]} {pct}% below usual"


@words("fontaine_iib")
def _fontaine(data: dict[str, Any], zone: str) -> str:
    return (f"Maximum distance {_m(data['recent_median_m'])}, under {_m(data['threshold_m'])} "
            f"(usual {_m(data['baseline_median_m'])})")


_UTC_STAMP = re.compile(r"(\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}) UTC")


def _acute_message(message: str, data: dict[str, Any], zone: str) -> str:
    # The rule writes its times in UTC into the message ("31 May 2025 09:12 UTC"):
    # each is shown in the reader's zone.
    def local(match: re.Match[str]) -> str:
        return local_time(datetime.strptime(match.group(1), "%d %b %Y %H:%M").replace(tzinfo=UTC), zone)
    return _UTC_STAMP.sub(local, message)


@words("acute_limb", versions=("1", "2"), message=_acute_message)
def _acute_limb(data: dict[str, Any], zone: str) -> str:
    at = local_time(datetime.fromisoformat(data["last_report"]), zone)
    if "sudden_change_late" in data.get("signs", ()) and "sudden_change" not in data.get("signs", ()):
        return f"Sudden change in the leg that began {_day(data['began'], zone)}, reported {at}"
    return f"Sudden painful, pale, cold, numb or weak leg, {at}"


@words("tissue_loss", versions=("1", "2"))
def _tissue_loss(data: dict[str, Any], zone: str) -> str:
    parts = []
    if data.get("wound"):
        days = int(data.get("wound_days") or 0)
        parts.append(f"Wound for {plural(days, 'day')}" if days >= 1 else "Wound reported")
    colours = data.get("colour_change") or []
    if colours:
        parts.append(f"toe or foot turning {' and '.join(colours)}")
    text = "; ".join(parts) or "Tissue loss reported"
    return text[0].upper() + text[1:]


@words("pale_cold_foot", versions=("1", "2"))
def _pale_cold_foot(data: dict[str, Any], zone: str) -> str:
    reports = int(data["reports"])
    if reports > 1:
        return f"Cold, pale foot on {reports} check-ins"
    return f"Cold, pale foot reported {_day(data['last_report'], zone)}"


@words("logging_gap")
def _logging_gap(data: dict[str, Any], zone: str) -> str:
    return f"No entries for {plural(int(data['days_without_entries']), 'day')}"


@words("neurogenic_pattern")
def _neurogenic(data: dict[str, Any], zone: str) -> str:
    return f"Walks look like neurogenic claudication ({plural(int(data['painful_walks']), 'painful walk')})"


@words("heart_symptoms")
def _heart_symptoms(data: dict[str, Any], zone: str) -> str:
    said = " and ".join(label(s, "heart_symptom").lower() for s in data["symptoms"])
    return f"{said[0].upper()}{said[1:]} on walking, reported {local_time(datetime.fromisoformat(data['last_report']), zone)}"


@words("cauda_equina")
def _cauda_equina(data: dict[str, Any], zone: str) -> str:
    said = ", ".join(label(s, "cauda_equina_sign").lower() for s in data["signs_reported"])
    return f"Cauda equina red flags ({said}), reported {local_time(datetime.fromisoformat(data['last_report']), zone)}"


@words("wound_infection")
def _wound_infection(data: dict[str, Any], zone: str) -> str:
    text = "Signs of wound infection"
    if data.get("fever_or_unwell"):
        text += " with fever or feeling unwell"
    if data.get("diabetes"):
        text += " in a patient with diabetes"
    return f"{text}, reported {_day(data['last_report'], zone)}"
