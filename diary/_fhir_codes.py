"""Code systems and codes of the FHIR export (``diary.export_fhir``).

Every local code is listed here once, with its display; ``docs/exports.md``
documents the same list and a test checks that the two agree. Where a code
comes from SNOMED CT or LOINC, the doubt about it (if any) is in the docs.
"""

from __future__ import annotations

from diary.severity import ORDER
from diary.signs import SIGNS

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

# SNOMED CT 165263003 |Walking distance (observable entity)|. Not confirmed against a
# SNOMED CT release here (no browser access); used as such by the Danish KL Gateway
# profile for the 6-minute walk (hl7dk/KL-dk-tools). See docs/exports.md.
WALKING_DISTANCE = (SNOMED, "165263003", "Walking distance")
# LOINC 72514-3 |Pain severity - 0-10 verbal numeric rating [Score] - Reported|.
PAIN_SCORE = (LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")

ACTIVITY = (OBSERVATION_CATEGORY, "activity", "Activity")
SURVEY = (OBSERVATION_CATEGORY, "survey", "Survey")
CLINICAL_FLAG = (FLAG_CATEGORY, "clinical", "Clinical")
NOT_APPLICABLE = (DATA_ABSENT_REASON, "not-applicable", "Not Applicable")


def diary_system(base_url: str) -> str:
    """The local code system for everything LOINC and SNOMED CT have no code for."""
    return f"{base_url}/CodeSystem/walking-diary"


def relief_system(base_url: str) -> str:
    """The local code system of relief postures (what eased the pain on a walk)."""
    return f"{base_url}/CodeSystem/relief-posture"


def severity_system(base_url: str) -> str:
    """The local code system of flag severities (FHIR Flag has no severity element)."""
    return f"{base_url}/CodeSystem/flag-severity"


def danger_sign_system(base_url: str) -> str:
    """The local code system of danger signs (``diary.signs`` codes, e.g. ``chest_pain``)."""
    return f"{base_url}/CodeSystem/danger-sign"


def clinic_number_system(base_url: str) -> str:
    return f"{base_url}/clinic-number"


def entry_system(base_url: str) -> str:
    """Identifier system of diary entries: the value is the entry's UUID."""
    return f"{base_url}/entry"


def summary_system(base_url: str) -> str:
    """Identifier system of weekly summary bundles: the value is ``<patient id>/<ISO week>``."""
    return f"{base_url}/weekly-summary"


# Local codes in diary_system(): code -> display.
MAXIMUM_WALKING_DISTANCE = "maximum-walking-distance"
PAIN_FREE_WALKING_DISTANCE = "pain-free-walking-distance"
RELIEF_POSTURE = "relief-posture"
STOPPED_BY_PAIN = "stopped-by-pain"
DISTANCE_ESTIMATED = "distance-estimated"
WEEKLY_WALKS = "weekly-walk-count"
WEEKLY_DAYS_WALKED = "weekly-days-walked"
WEEKLY_MEDIAN_MAXIMUM = "weekly-median-maximum-walking-distance"
WEEKLY_MEDIAN_PAIN_FREE = "weekly-median-pain-free-walking-distance"
WEEKLY_TOTAL_DISTANCE = "weekly-total-distance"
WEEKLY_REST_PAIN_DAYS = "weekly-rest-pain-days"
WEEKLY_SUMMARY = "weekly-summary"  # the Bundle's meta.tag
CHECK_IN = "danger-sign-check-in"

DIARY_CODES: dict[str, str] = {
    MAXIMUM_WALKING_DISTANCE: "Maximum walking distance (distance walked when the walk ended)",
    PAIN_FREE_WALKING_DISTANCE: "Pain-free walking distance (distance at which pain began)",
    RELIEF_POSTURE: "What relieved the leg pain",
    STOPPED_BY_PAIN: "Walk stopped by leg pain",
    DISTANCE_ESTIMATED: "Distances estimated from minutes walked",
    WEEKLY_WALKS: "Number of walks in the week",
    WEEKLY_DAYS_WALKED: "Number of days walked in the week",
    WEEKLY_MEDIAN_MAXIMUM: "Median maximum walking distance of the week's walks",
    WEEKLY_MEDIAN_PAIN_FREE: "Median pain-free walking distance of the week's walks",
    WEEKLY_TOTAL_DISTANCE: "Total distance walked in the week",
    WEEKLY_REST_PAIN_DAYS: "Number of days with rest pain reported in the week",
    WEEKLY_SUMMARY: "Walking Diary weekly summary",
    CHECK_IN: "Danger-sign check-in (patient-reported answers)",
}

# relief_system(): the diary's Relief values, as in the JSON interchange format.
RELIEF_CODES: dict[str, str] = {
    "stood_still": "Stood still",
    "sat_down": "Sat down",
    "bent_forward": "Bent forward",
    "lay_down": "Lay down",
    "not_relieved": "Not relieved",
    "no_pain": "No pain",
}

# severity_system(): diary.severity's levels.
SEVERITY_CODES: dict[str, str] = {s.value: s.value.capitalize() for s in ORDER}

# danger_sign_system(): diary.signs' codes, with their labels for clinicians.
DANGER_SIGN_CODES: dict[str, str] = {s.code: s.label[0].upper() + s.label[1:] for s in SIGNS}

# Flag codes in diary_system() are the trend rule names themselves, display = the rule
# name (diary.trend.RULES lists them; docs/exports.md describes each).
