"""How a patient's answers are read: the one reading of every danger sign.

The advice a patient gets at once (``diary.advice``), the words on the pages,
the weekly counts and the trend rules all read an entry through these
functions, so that they never disagree. The table of signs (grade of advice,
flag severity, the rule that flags it) is ``SIGNS``; docs/clinical-rules.md
holds the same table with its sources, and a test checks they agree.

Null answers mean "not asked": a reader returns ``None`` for them where it
matters (a silent question never clears a sign), and never treats them as "no".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from diary.entries import CaudaEquinaSign, CheckIn, ColourChange, HeartSymptom, InfectionSign, Walk
from diary.severity import Severity

Entry = Walk | CheckIn
ACUTE_DAYS = 14  # acute limb ischaemia: symptoms of less than 2 weeks (ESVS 2020)
_DARK = (ColourChange.blue, ColourChange.black)
_LOCAL_INFECTION = frozenset(InfectionSign) - {InfectionSign.fever}


class Grade(StrEnum):
    """What the patient is told to do."""

    emergency = "emergency"        # now: call the emergency number or go to an emergency department
    same_day = "same_day"          # contact the care team today
    next_contact = "next_contact"  # tell the care team at the next appointment or call


GRADE_RANK = {Grade.emergency: 3, Grade.same_day: 2, Grade.next_contact: 1}


@dataclass(frozen=True)
class Sign:
    code: str
    label: str          # for clinicians: pages, PDF, CSV
    grade: Grade
    severity: Severity  # of the flag, from the first report
    rule: str           # the trend rule that flags it


# Worst first. Each row is a row of the table in docs/clinical-rules.md.
SIGNS: tuple[Sign, ...] = (
    Sign("sudden_change", "sudden change in the leg, under 2 weeks", Grade.emergency, Severity.emergency,
         "acute_limb"),
    Sign("chest_pain", "chest pain or tightness on walking", Grade.emergency, Severity.emergency, "heart_symptoms"),
    Sign("cauda_equina", "cauda equina red flags", Grade.emergency, Severity.emergency, "cauda_equina"),
    Sign("infected_wound_unwell", "infected wound with fever or unwell", Grade.emergency, Severity.emergency,
         "wound_infection"),
    Sign("infected_wound_diabetes", "infected wound, patient with diabetes", Grade.emergency, Severity.emergency,
         "wound_infection"),
    Sign("sudden_change_late", "sudden change in the leg, 2 weeks or more ago", Grade.same_day, Severity.urgent,
         "acute_limb"),
    Sign("faint", "faint or dizzy on walking", Grade.same_day, Severity.urgent, "heart_symptoms"),
    Sign("palpitations", "palpitations on walking", Grade.same_day, Severity.urgent, "heart_symptoms"),
    Sign("breathless", "breathless out of proportion on walking", Grade.same_day, Severity.urgent,
         "heart_symptoms"),
    Sign("infected_wound", "wound or foot infection", Grade.same_day, Severity.urgent, "wound_infection"),
    Sign("rest_pain_pale_cold_numb", "rest pain with a pale, cold or numb foot", Grade.same_day, Severity.urgent,
         "rest_pain"),
    Sign("rest_pain_typical", "rest pain at night, eased by hanging the leg", Grade.same_day, Severity.urgent,
         "rest_pain"),
    Sign("rest_pain", "rest pain", Grade.same_day, Severity.review, "rest_pain"),
    Sign("wound", "wound or ulcer", Grade.same_day, Severity.urgent, "tissue_loss"),
    Sign("dark_toe", "blue or black toe or foot", Grade.same_day, Severity.urgent, "tissue_loss"),
    Sign("pale_cold_foot", "pale, cold foot", Grade.next_contact, Severity.review, "pale_cold_foot"),
)
BY_CODE: dict[str, Sign] = {s.code: s for s in SIGNS}
# The signs a flag stands for when it was raised before flags recorded their
# signs (for the patient's advice while it is live).
RULE_SIGNS: dict[str, tuple[str, ...]] = {
    "acute_limb": ("sudden_change",), "rest_pain": ("rest_pain",), "tissue_loss": ("wound",),
}


# --- reading one check-in ---------------------------------------------------------


def rest_pain(c: CheckIn) -> bool | None:
    """Rest pain: the main answer, or pain at night, or eased by hanging the leg (each
    describes rest pain, so either alone counts). False only for an explicit "no"."""
    if c.rest_pain or c.rest_pain_at_night or c.eased_by_hanging_leg:
        return True
    return False if c.rest_pain is False else None


def typical_rest_pain(c: CheckIn) -> bool:
    """At night in bed and eased by hanging the leg down: the classic picture."""
    return bool(c.rest_pain_at_night and c.eased_by_hanging_leg)


def pale(c: CheckIn) -> bool:
    return c.colour_change == ColourChange.pale


def dark(c: CheckIn) -> bool:
    """A toe or part of the foot blue or black now (tissue loss)."""
    return c.colour_change in _DARK


def foot_changes(c: CheckIn) -> list[str]:
    """Pale, cold, numb: the foot signs that turn rest pain into acute-on-chronic ischaemia."""
    return [name for name, seen in (("pale", pale(c)), ("cold", c.cold_foot), ("numb", c.numb_foot)) if seen]


def acute_on_chronic(c: CheckIn) -> bool:
    """Rest pain with a pale, cold or numb foot on the same check-in."""
    return bool(rest_pain(c) and foot_changes(c))


def pale_and_cold(c: CheckIn) -> bool | None:
    if pale(c) and c.cold_foot:
        return True
    if c.cold_foot is False or c.colour_change not in (None, ColourChange.pale):
        return False
    return None


def sudden(c: CheckIn) -> bool:
    """A sudden change: the answer, or a start date given without it."""
    return bool(c.sudden_onset or (c.sudden_onset is None and c.sudden_onset_days_ago is not None))


def sudden_began(c: CheckIn) -> datetime:
    """When the sudden change began: the check-in's time less the days given (none given: that day)."""
    return c.recorded_at - timedelta(days=c.sudden_onset_days_ago or 0)


def infection(c: CheckIn) -> bool | None:
    """A wound or foot infection: redness spreading, swelling, warmth, pus or smell; or a
    fever or feeling unwell with a wound. None when not asked."""
    if c.infection_signs is None:
        return None
    signs = set(c.infection_signs)
    return bool(signs & _LOCAL_INFECTION or (InfectionSign.fever in signs and c.wound))


def unwell(c: CheckIn) -> bool:
    return InfectionSign.fever in (c.infection_signs or ())


def heart(entry: Entry) -> list[HeartSymptom]:
    """The heart symptoms reported, in the order of ``HeartSymptom``."""
    given = set(entry.heart_symptoms or ())
    return [s for s in HeartSymptom if s in given]


def cauda_equina(c: CheckIn) -> list[CaudaEquinaSign]:
    """The cauda equina signs reported, in the order of ``CaudaEquinaSign``."""
    given = set(c.cauda_equina_signs or ())
    return [s for s in CaudaEquinaSign if s in given]


# --- the signs of an entry ----------------------------------------------------------


def signs_of(entry: Entry, diabetes: bool | None = None) -> list[str]:
    """The codes of the signs an entry reports, worst first (the order of ``SIGNS``).

    ``diabetes``: whether the patient has diabetes (None: not recorded).
    Judged at the time of the entry: a sudden change is late when it began
    ``ACUTE_DAYS`` or more before the check-in."""
    found: set[str] = set()
    symptoms = heart(entry)
    for symptom in symptoms:
        found.add(symptom.value)
    if isinstance(entry, CheckIn):
        c = entry
        if sudden(c):
            late = (c.sudden_onset_days_ago or 0) >= ACUTE_DAYS
            found.add("sudden_change_late" if late else "sudden_change")
        if cauda_equina(c):
            found.add("cauda_equina")
        if infection(c):
            found.add("infected_wound_unwell" if unwell(c) else
                      "infected_wound_diabetes" if diabetes else "infected_wound")
        if rest_pain(c):
            found.add("rest_pain_pale_cold_numb" if acute_on_chronic(c) else
                      "rest_pain_typical" if typical_rest_pain(c) else "rest_pain")
        elif pale_and_cold(c) and not sudden(c):
            found.add("pale_cold_foot")
        if c.wound:
            found.add("wound")
        if dark(c):
            found.add("dark_toe")
    return [s.code for s in SIGNS if s.code in found]


def labels(counts: dict[str, int]) -> str:
    """Signs and how often they were reported, for clinicians: "wound or ulcer 3; rest pain 1"."""
    return "; ".join(f"{BY_CODE[code].label} {n}" for code, n in counts.items() if code in BY_CODE)


def worst_grade(codes: list[str]) -> Grade | None:
    grades = [BY_CODE[c].grade for c in codes if c in BY_CODE]
    return max(grades, key=GRADE_RANK.__getitem__, default=None)


# --- plain words for what was reported ------------------------------------------------

# Phrases, in the order they are listed; web/static/pwa/entry.js has them too
# (tests/server/test_pwa.py checks, and tests/js/form_cases.json holds shared cases).
PHRASES: dict[str, str] = {
    "sudden_onset": "a sudden change in the leg (painful, pale, cold, numb or weak)",
    "sudden_0": "that began that day",
    "sudden_1": "that began the day before",
    "sudden_n": "that began {days} days before",
    "chest_pain": "chest pain or tightness when walking",
    "breathless": "much more out of breath than usual when walking",
    "palpitations": "the heart racing or pounding when walking",
    "faint": "feeling faint or dizzy when walking",
    "saddle_numbness": "numbness around the bottom or private parts",
    "bladder_bowel": "new trouble with the bladder or bowels",
    "legs_weaker": "weakness in both legs getting worse",
    "rest_pain": "pain in the leg or foot at rest",
    "at_night": "at night",
    "eased_by_hanging": "eased by hanging the leg down",
    "wound": "a wound, sore or ulcer",
    "wound_1": "for 1 day",
    "wound_n": "for {days} days",
    "wound_healed": "the wound has healed",
    "infection": "{signs} around a wound or on the foot",
    "fever": "a fever or feeling unwell",
    "colour": "a toe or part of the foot that is {colour}",
    "colour_healed": "the blue or black toe has healed",
    "cold_foot": "a cold foot",
    "numb_foot": "a numb foot",
    "spreading_redness": "redness spreading",
    "swelling": "swelling",
    "warmth": "warmth",
    "pus": "pus",
    "smell": "a bad smell",
}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _days(prefix: str, days: int) -> str:
    return PHRASES[f"{prefix}_{days}"] if days in (0, 1) and f"{prefix}_{days}" in PHRASES else \
        PHRASES[f"{prefix}_n"].format(days=days)


def reported(entry: Entry) -> list[str]:
    """Every danger-sign answer the entry gives, as phrases ("You told us: ...").
    No answer is left out, whatever the advice or the flags make of it."""
    said: list[str] = []
    c = entry if isinstance(entry, CheckIn) else None
    if c is not None and sudden(c):
        days = c.sudden_onset_days_ago
        said.append(PHRASES["sudden_onset"] + ("" if days is None else " " + _days("sudden", days)))
    said += [PHRASES[s.value] for s in heart(entry)]
    if c is None:
        return said
    said += [PHRASES[s.value] for s in cauda_equina(c)]
    if rest_pain(c):
        words = PHRASES["rest_pain"]
        if c.rest_pain_at_night:
            words += ", " + PHRASES["at_night"]
        if c.eased_by_hanging_leg:
            words += ", " + PHRASES["eased_by_hanging"]
        said.append(words)
    if c.wound:
        said.append(PHRASES["wound"] + (" " + _days("wound", c.wound_days) if c.wound_days else ""))
    if c.wound_healed:
        said.append(PHRASES["wound_healed"])
    given = set(c.infection_signs or ())
    local = [PHRASES[s.value] for s in InfectionSign if s in given and s in _LOCAL_INFECTION]
    if local:
        said.append(PHRASES["infection"].format(signs=_and(local)))
    if unwell(c):
        said.append(PHRASES["fever"])
    if c.colour_change is not None and c.colour_change != ColourChange.none:
        said.append(PHRASES["colour"].format(colour=c.colour_change.value))
    if c.colour_healed:
        said.append(PHRASES["colour_healed"])
    said += [PHRASES[k] for k, on in (("cold_foot", c.cold_foot), ("numb_foot", c.numb_foot)) if on]
    return said


def answered(entry: Entry) -> bool:
    """Whether the entry answers any danger-sign question at all (a "no" included)."""
    fields = ("heart_symptoms",) if isinstance(entry, Walk) else (
        "rest_pain", "rest_pain_at_night", "eased_by_hanging_leg", "wound", "wound_healed", "infection_signs",
        "colour_change", "colour_healed", "cold_foot", "numb_foot", "sudden_onset", "sudden_onset_days_ago",
        "heart_symptoms", "cauda_equina_signs")
    return any(getattr(entry, name) is not None for name in fields)


def describe(entry: Entry) -> str:
    """The answers as one line for the pages: "Pain in your leg ... Numb foot." or why there is none."""
    said = reported(entry)
    if said:
        return ". ".join(s[0].upper() + s[1:] for s in said) + "."
    if isinstance(entry, Walk):
        return ""
    return "No warning signs." if answered(entry) else "No questions answered."
