"""The weekly summary as a FHIR R4B Bundle (type ``collection``), one per patient and week.

Pure: a :class:`~diary.weekly.PatientWeek` in, a JSON-ready ``dict`` out (serialise
it with ``json.dumps``). No I/O, no clock, no validation at run time: the tests
validate every shape this module produces with the ``fhir.resources`` R4B models.

Contents, in this order:

* the Patient (name, clinic number as identifier, birth date when known);
* one Observation per walk of the week (walking distance in metres, with the
  pain-free distance, relief posture, pain score, stopped-by-pain and
  distance-estimated as components, and any danger sign reported with it);
* one Observation per check-in of the week (the patient's answers in words, and
  one component per danger sign reported, in the local danger-sign system);
* one Observation per weekly figure (walks, days walked, median maximum and
  pain-free distance, total distance, rest-pain days), effective over the week;
* one Flag per flag that is not resolved (open or acknowledged).

Every ``fullUrl`` is a ``urn:uuid:`` derived with uuid5 from ``base_url``, the patient
id and what the resource is (walk id, week and figure, flag rule and time raised),
so the same week always exports the same ids. Codes and their doubts are in
``docs/exports.md``; the local codes live in ``diary._fhir_codes``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from diary import _fhir_codes as C
from diary import signs
from diary.entries import CheckIn, Walk
from diary.weekly import FlagLine, PatientWeek, Week

__all__ = ["FHIR_VERSION", "patient_bundle"]

FHIR_VERSION = "4.3.0"  # R4B

Json = dict[str, Any]


def _coding(code: tuple[str, str, str]) -> Json:
    system, value, display = code
    return {"system": system, "code": value, "display": display}


def _concept(*codings: tuple[str, str, str], text: str | None = None) -> Json:
    out: Json = {"coding": [_coding(c) for c in codings]}
    if text:
        out["text"] = text
    return out


def _metres(value: float) -> Json:
    number: float | int = round(float(value), 2)
    if float(number).is_integer():
        number = int(number)
    return {"value": number, "unit": "m", "system": C.UCUM, "code": "m"}


def _instant(when: datetime, timezone: str) -> str:
    """An ISO 8601 date-time with an offset (FHIR instant and dateTime both need one)."""
    if when.tzinfo is None:  # a naive time is taken as clinic time
        when = when.replace(tzinfo=ZoneInfo(timezone))
    return when.isoformat()


def _absent(text: str) -> Json:
    return {"coding": [_coding(C.NOT_APPLICABLE)], "text": text}


class _Ids:
    """Deterministic urn:uuid values: uuid5 under a namespace of ``base_url``."""

    def __init__(self, base_url: str, patient_id: int):
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, base_url)
        self.patient_id = patient_id

    def __call__(self, *parts: object) -> str:
        return str(uuid.uuid5(self.ns, "/".join(["patient", str(self.patient_id), *map(str, parts)])))


def patient_bundle(pw: PatientWeek, *, clinic_name: str, birth_date: date | None, produced_at: datetime,
                   base_url: str = "urn:walking-diary") -> dict:
    """A FHIR R4B Bundle (type ``collection``) of one patient's week, as a JSON-ready dict.

    ``base_url`` names the installation: identifier and local code system URLs are
    built from it (``f"{base_url}/clinic-number"``,
    ``f"{base_url}/CodeSystem/walking-diary"``...). Keep it stable: the ids depend on it.
    """
    base_url = base_url.rstrip("/")
    ids = _Ids(base_url, pw.patient_id)
    tz = pw.week.timezone
    issued = _instant(produced_at, tz)
    patient_id = ids()
    patient_ref = {"reference": f"urn:uuid:{patient_id}", "display": pw.name}
    local = C.diary_system(base_url)

    entries: list[tuple[str, Json]] = [(patient_id, _patient(pw, patient_id, clinic_name, birth_date, base_url))]
    for walk in pw.walks:
        rid = ids("walk", walk.id)
        entries.append((rid, _walk(walk, rid, patient_ref, issued, tz, base_url, pw.diabetes)))
    for check_in in pw.check_ins:
        rid = ids("check-in", check_in.id)
        entries.append((rid, _check_in(check_in, rid, patient_ref, issued, tz, base_url, pw.diabetes)))
    for code, value in _weekly_values(pw):
        rid = ids("week", pw.week.label, code)
        entries.append((rid, _weekly(pw.week, code, value, rid, patient_ref, issued, local)))
    for flag in pw.flags:
        if flag.status == "resolved":
            continue
        rid = ids("flag", flag.rule, _instant(flag.raised_at, tz))
        entries.append((rid, _flag(flag, rid, patient_ref, tz, base_url)))

    return {
        "resourceType": "Bundle",
        "id": ids("bundle", pw.week.label),
        "meta": {"tag": [{"system": local, "code": C.WEEKLY_SUMMARY, "display": C.DIARY_CODES[C.WEEKLY_SUMMARY]}]},
        "identifier": {"system": C.summary_system(base_url), "value": f"{pw.patient_id}/{pw.week.label}"},
        "type": "collection",
        "timestamp": issued,
        "entry": [{"fullUrl": f"urn:uuid:{rid}", "resource": resource} for rid, resource in entries],
    }


def _patient(pw: PatientWeek, rid: str, clinic_name: str, birth_date: date | None, base_url: str) -> Json:
    patient: Json = {
        "resourceType": "Patient",
        "id": rid,
        "identifier": [{
            "use": "usual",
            "type": {"text": "Clinic number"},
            "system": C.clinic_number_system(base_url),
            "value": pw.clinic_number,
        }],
        "name": [{"use": "usual", "text": pw.name}],
    }
    if birth_date is not None:
        patient["birthDate"] = birth_date.isoformat()
    if clinic_name:
        patient["managingOrganization"] = {"display": clinic_name}
    return patient


def _sign_components(entry: Walk | CheckIn, base_url: str, diabetes: bool | None) -> list[Json]:
    """One component per danger sign the entry reports (diary.signs), valueBoolean true."""
    return [{"code": _concept((C.danger_sign_system(base_url), code, C.DANGER_SIGN_CODES[code])),
             "valueBoolean": True} for code in signs.signs_of(entry, diabetes)]


def _reported(entry: Walk | CheckIn, rid: str, category: tuple[str, str, str], code: Json, subject: Json,
              issued: str, tz: str, base_url: str) -> Json:
    """What every patient-reported Observation of an entry has."""
    return {
        "resourceType": "Observation",
        "id": rid,
        "identifier": [{"system": C.entry_system(base_url), "value": str(entry.id)}],
        "status": "final",
        "category": [_concept(category)],
        "code": code,
        "subject": subject,
        "effectiveDateTime": _instant(entry.occurred_at, tz),  # corrected for the phone's clock
        "issued": issued,
        "performer": [subject],  # patient-reported
    }


def _check_in(check_in: CheckIn, rid: str, subject: Json, issued: str, tz: str, base_url: str,
              diabetes: bool | None) -> Json:
    code = _concept((C.diary_system(base_url), C.CHECK_IN, C.DIARY_CODES[C.CHECK_IN]))
    obs = _reported(check_in, rid, C.SURVEY, code, subject, issued, tz, base_url)
    obs["valueString"] = signs.describe(check_in)
    components = _sign_components(check_in, base_url, diabetes)
    if components:
        obs["component"] = components
    if check_in.note.strip():
        obs["note"] = [{"text": check_in.note}]
    return obs


def _walk(walk: Walk, rid: str, subject: Json, issued: str, tz: str, base_url: str,
          diabetes: bool | None = None) -> Json:
    local = C.diary_system(base_url)
    components: list[Json] = []
    onset = _concept((local, C.PAIN_FREE_WALKING_DISTANCE, C.DIARY_CODES[C.PAIN_FREE_WALKING_DISTANCE]))
    if walk.pain_onset_m is not None:
        components.append({"code": onset, "valueQuantity": _metres(walk.pain_onset_m)})
    else:  # no pain on this walk: there is no distance at which pain began
        components.append({"code": onset, "dataAbsentReason": _absent("No leg pain on this walk")})
    if walk.relief is not None:
        relief = walk.relief.value
        components.append({
            "code": _concept((local, C.RELIEF_POSTURE, C.DIARY_CODES[C.RELIEF_POSTURE])),
            "valueCodeableConcept": _concept((C.relief_system(base_url), relief, C.RELIEF_CODES[relief])),
        })
    if walk.pain_score is not None:
        components.append({"code": _concept(C.PAIN_SCORE), "valueInteger": walk.pain_score})
    components.append({
        "code": _concept((local, C.STOPPED_BY_PAIN, C.DIARY_CODES[C.STOPPED_BY_PAIN])),
        "valueBoolean": walk.stopped_by_pain,
    })
    if walk.distance_estimated:
        components.append({
            "code": _concept((local, C.DISTANCE_ESTIMATED, C.DIARY_CODES[C.DISTANCE_ESTIMATED])),
            "valueBoolean": True,
        })
    components += _sign_components(walk, base_url, diabetes)
    code = _concept(C.WALKING_DISTANCE,
                    (local, C.MAXIMUM_WALKING_DISTANCE, C.DIARY_CODES[C.MAXIMUM_WALKING_DISTANCE]),
                    text="Walking distance (maximum walking distance: distance walked when the walk ended)")
    obs = _reported(walk, rid, C.ACTIVITY, code, subject, issued, tz, base_url)
    obs["valueQuantity"] = _metres(walk.distance_m)
    obs["component"] = components
    if walk.note.strip():
        obs["note"] = [{"text": walk.note}]
    return obs


def _weekly_values(pw: PatientWeek) -> list[tuple[str, int | float | None]]:
    return [
        (C.WEEKLY_WALKS, pw.walk_count),
        (C.WEEKLY_DAYS_WALKED, pw.days_walked),
        (C.WEEKLY_MEDIAN_MAXIMUM, pw.max_median_m),
        (C.WEEKLY_MEDIAN_PAIN_FREE, pw.pain_free_median_m),
        (C.WEEKLY_TOTAL_DISTANCE, pw.total_distance_m),
        (C.WEEKLY_REST_PAIN_DAYS, pw.rest_pain_days),
    ]


_COUNTS = {C.WEEKLY_WALKS, C.WEEKLY_DAYS_WALKED, C.WEEKLY_REST_PAIN_DAYS}


def _weekly(week: Week, code: str, value: int | float | None, rid: str, subject: Json, issued: str,
            local: str) -> Json:
    obs: Json = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
    }
    if code != C.WEEKLY_REST_PAIN_DAYS:  # rest pain is a symptom, not an activity
        obs["category"] = [_concept(C.ACTIVITY)]
    obs.update({
        "code": _concept((local, code, C.DIARY_CODES[code]), text=f"{C.DIARY_CODES[code]} ({week.label})"),
        "subject": subject,
        "effectivePeriod": {"start": week.start.isoformat(), "end": week.end.isoformat()},
        "issued": issued,
    })
    if code in _COUNTS:
        obs["valueInteger"] = int(value or 0)
    elif value is None:
        obs["dataAbsentReason"] = _absent("No walks logged in the week")
    else:
        obs["valueQuantity"] = _metres(value)
    if code == C.WEEKLY_DAYS_WALKED:
        obs["referenceRange"] = [{"text": "Target: at least 3 sessions a week (supervised exercise, NICE CG147)"}]
    return obs


def _flag(flag: FlagLine, rid: str, subject: Json, tz: str, base_url: str) -> Json:
    local = C.diary_system(base_url)
    severity = flag.severity if flag.severity in C.SEVERITY_CODES else None
    category = [_concept(C.CLINICAL_FLAG)]
    if severity:
        category.append(_concept((C.severity_system(base_url), severity, C.SEVERITY_CODES[severity]),
                                 text=severity.upper()))
    return {
        "resourceType": "Flag",
        "id": rid,
        "status": "active",
        "category": category,
        "code": {"coding": [{"system": local, "code": flag.rule, "display": flag.rule}], "text": flag.message},
        "subject": subject,
        "period": {"start": _instant(flag.raised_at, tz)},
    }
