"""The weekly summary as a FHIR R4B Bundle: validated with fhir.resources, codes and units checked."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from diary import _fhir_codes as C
from diary.entries import CheckIn, Relief, Walk
from diary.export_fhir import FHIR_VERSION, patient_bundle
from diary.trend import RULES
from diary.weekly import FlagLine, Note, PatientWeek, Week, summarise

ROOT = Path(__file__).resolve().parents[2]
TZ = "Europe/London"
WEEK = Week.parse("2026-W47", TZ)  # Monday 16 Nov to Sunday 22 Nov 2026
PRODUCED = datetime.fromisoformat("2026-11-23T06:00:00+00:00")
BASE = "urn:walking-diary"
LOCAL = f"{BASE}/CodeSystem/walking-diary"


def at(day: int, hour: int = 10) -> datetime:
    """``day`` days after the week's Monday, at ``hour`` local time."""
    return WEEK.start + timedelta(days=day, hours=hour)


def walk(n: int, when: datetime, distance: float, onset: float | None, **fields) -> Walk:
    painful = onset is not None
    return Walk(**{"id": uuid.UUID(int=n), "walked_at": when, "distance_m": distance, "pain_onset_m": onset,
                   "stopped_by_pain": painful, "relief": Relief.stood_still if painful else None, **fields})


def flag(rule: str, severity: str, status: str, raised: datetime, this_week: bool = True) -> FlagLine:
    return FlagLine(rule=rule, severity=severity, status=status, message=f"{rule} message", raised_at=raised,
                    raised_this_week=this_week)


def week_of(entries, flags=(), notes=(), patient_id: int = 42) -> PatientWeek:
    return summarise(patient_id=patient_id, name="Zoë Brontë", clinic_number="WD-0042", week=WEEK,
                     entries=list(entries), flags=list(flags), notes=list(notes))


@pytest.fixture()
def full_week() -> PatientWeek:
    entries = [
        walk(1, at(0), 300, 180, pain_score=6),
        walk(2, at(0, 17), 250, None),  # no pain
        walk(3, at(2), 320.5, 200, pain_score=0, relief=Relief.sat_down),
        walk(4, at(4), 280, 150, distance_estimated=True, duration_min=6, note="Windy, uphill → slower"),
        walk(5, at(-3), 400, 250),  # the week before: not in this bundle
        CheckIn(id=uuid.UUID(int=6), recorded_at=at(3, 21), rest_pain=True, rest_pain_at_night=True),
    ]
    flags = [
        flag("rest_pain", "urgent", "open", at(3, 22)),
        flag("distance_decline", "review", "acknowledged", at(-10), this_week=False),
        flag("logging_gap", "info", "resolved", at(-20), this_week=False),
    ]
    notes = [Note(at=at(4, 14), author="Dr Nurse", text="Called.")]
    return week_of(entries, flags, notes)


def bundle_of(pw: PatientWeek, **kwargs) -> dict:
    kwargs.setdefault("clinic_name", "Clinic A")
    kwargs.setdefault("birth_date", date(1951, 4, 2))
    kwargs.setdefault("produced_at", PRODUCED)
    return patient_bundle(pw, **kwargs)


def validate(bundle: dict) -> Bundle:
    """Validate the Bundle and, separately, every resource in it with its own R4B model."""
    model = Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    json.loads(json.dumps(bundle))  # JSON-ready
    return model


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def walk_observations(bundle: dict) -> list[dict]:
    return [o for o in resources(bundle, "Observation") if o.get("identifier")
            and any(c["code"] == "maximum-walking-distance" for c in o["code"]["coding"])]


def check_in_observations(bundle: dict) -> list[dict]:
    return [o for o in resources(bundle, "Observation")
            if any(c["code"] == "danger-sign-check-in" for c in o["code"]["coding"])]


def weekly_observations(bundle: dict) -> dict[str, dict]:
    return {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation") if "effectivePeriod" in o}


def component(obs: dict, system: str, code: str) -> dict | None:
    for comp in obs.get("component", []):
        if any(c["system"] == system and c["code"] == code for c in comp["code"]["coding"]):
            return comp
    return None


def quantities(node):
    """Every Quantity (a dict with a 'value' and a 'unit') anywhere in the bundle."""
    if isinstance(node, dict):
        if "value" in node and "unit" in node:
            yield node
        for value in node.values():
            yield from quantities(value)
    elif isinstance(node, list):
        for value in node:
            yield from quantities(value)


def test_the_bundle_validates_as_r4b_with_every_resource(full_week):
    bundle = bundle_of(full_week)
    model = validate(bundle)
    assert FHIR_VERSION == "4.3.0"
    assert model.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient"
    assert kinds.count("Observation") == 4 + 1 + 6 and kinds.count("Flag") == 2  # walks, check-in, weekly
    # The parsed bundle holds concrete resources, not bare dicts.
    assert {type(e.resource).__name__ for e in model.entry} == {"Patient", "Observation", "Flag"}


def test_full_urls_are_uuid_urns_matching_the_ids_and_every_reference_resolves(full_week):
    bundle = bundle_of(full_week)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            entry["fullUrl"])
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    patient_url = bundle["entry"][0]["fullUrl"]
    for entry in bundle["entry"][1:]:
        assert entry["resource"]["subject"]["reference"] == patient_url


def test_the_same_week_exports_the_same_ids(full_week):
    first, again = bundle_of(full_week), bundle_of(full_week)
    assert first == again
    later = bundle_of(full_week, produced_at=PRODUCED + timedelta(days=3))
    assert [e["fullUrl"] for e in later["entry"]] == [e["fullUrl"] for e in first["entry"]]
    assert later["id"] == first["id"] and later["timestamp"] != first["timestamp"]
    other_patient = bundle_of(week_of(full_week.walks + full_week.check_ins, patient_id=43))
    assert not {e["fullUrl"] for e in other_patient["entry"]} & {e["fullUrl"] for e in first["entry"]}


def test_the_patient_carries_name_clinic_number_and_birth_date(full_week):
    [patient] = resources(bundle_of(full_week), "Patient")
    assert patient["name"][0]["text"] == "Zoë Brontë"
    assert patient["identifier"][0]["system"] == f"{BASE}/clinic-number"
    assert patient["identifier"][0]["value"] == "WD-0042"
    assert patient["birthDate"] == "1951-04-02"
    [unknown] = resources(bundle_of(full_week, birth_date=None), "Patient")
    assert "birthDate" not in unknown


def test_one_observation_per_walk_of_the_week_in_metres(full_week):
    bundle = bundle_of(full_week)
    walks = walk_observations(bundle)
    assert [o["identifier"][0]["value"] for o in walks] == [str(w.id) for w in full_week.walks]
    assert len(walks) == 4  # the walk of the week before is not there
    for obs, w in zip(walks, full_week.walks):
        assert obs["status"] == "final"
        assert obs["category"][0]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "activity",
            "display": "Activity"}
        codings = {(c["system"], c["code"]) for c in obs["code"]["coding"]}
        assert ("http://snomed.info/sct", "165263003") in codings
        assert (LOCAL, "maximum-walking-distance") in codings
        assert datetime.fromisoformat(obs["effectiveDateTime"]) == w.walked_at
        assert obs["valueQuantity"] == {"value": pytest.approx(w.distance_m), "unit": "m",
                                        "system": "http://unitsofmeasure.org", "code": "m"}
        assert component(obs, LOCAL, "stopped-by-pain")["valueBoolean"] is w.stopped_by_pain


def test_each_check_in_of_the_week_carries_its_answers_and_danger_signs(full_week):
    [obs] = check_in_observations(bundle_of(full_week))
    [check_in] = full_week.check_ins
    assert obs["identifier"][0]["value"] == str(check_in.id)
    assert obs["category"][0]["coding"][0]["code"] == "survey"
    assert obs["valueString"] == "Pain in the leg or foot at rest, at night."
    signs = [(c["code"]["coding"][0]["system"], c["code"]["coding"][0]["code"], c["valueBoolean"])
             for c in obs["component"]]
    assert signs == [("urn:walking-diary/CodeSystem/danger-sign", "rest_pain", True)]
    assert datetime.fromisoformat(obs["effectiveDateTime"]) == check_in.recorded_at


def test_emergency_flags_and_signs_validate_as_r4b(full_week):
    from dataclasses import replace

    emergency = CheckIn(id=uuid.UUID(int=99), recorded_at=full_week.check_ins[0].recorded_at, sudden_onset=True,
                        heart_symptoms=["chest_pain"], cauda_equina_signs=["bladder_bowel"],
                        wound=True, infection_signs=["pus"])
    week = replace(full_week, check_ins=[*full_week.check_ins, emergency], diabetes=True,
                   flags=[*full_week.flags, FlagLine("acute_limb", "emergency", "open", "Sudden onset.",
                                                     full_week.flags[0].raised_at, True)])
    bundle = bundle_of(week)
    validate(bundle)
    obs = [o for o in check_in_observations(bundle) if o["identifier"][0]["value"] == str(emergency.id)][0]
    assert [c["code"]["coding"][0]["code"] for c in obs["component"]] == [
        "sudden_change", "chest_pain", "cauda_equina", "infected_wound_diabetes", "wound"]
    flag = [f for f in resources(bundle, "Flag") if f["code"]["coding"][0]["code"] == "acute_limb"][0]
    assert flag["category"][1]["coding"][0]["code"] == "emergency" and flag["category"][1]["text"] == "EMERGENCY"


def test_every_quantity_is_ucum_metres(full_week):
    found = list(quantities(bundle_of(full_week)))
    assert len(found) >= 4 + 3 + 3  # walk distances, pain-free components, weekly distances
    for q in found:
        assert (q["system"], q["code"], q["unit"]) == ("http://unitsofmeasure.org", "m", "m")


def test_pain_onset_is_a_component_or_data_absent_when_there_was_no_pain(full_week):
    walks = walk_observations(bundle_of(full_week))
    painful = component(walks[0], LOCAL, "pain-free-walking-distance")
    assert painful["valueQuantity"]["value"] == 180 and "dataAbsentReason" not in painful
    painless = component(walks[1], LOCAL, "pain-free-walking-distance")
    assert "valueQuantity" not in painless
    assert painless["dataAbsentReason"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-applicable",
        "display": "Not Applicable"}


def test_no_value_sits_beside_a_data_absent_reason(full_week):
    """R4B obs-6: dataAbsentReason only when there is no value (the models do not check it)."""
    empty = bundle_of(week_of([]))
    for bundle in (bundle_of(full_week), empty):
        for obs in resources(bundle, "Observation"):
            for item in [obs, *obs.get("component", [])]:
                values = [k for k in item if k.startswith("value")]
                assert len(values) + ("dataAbsentReason" in item) == 1, item


def test_pain_score_is_loinc_72514_3_when_given(full_week):
    walks = walk_observations(bundle_of(full_week))
    score = component(walks[0], "http://loinc.org", "72514-3")
    assert score["valueInteger"] == 6
    assert component(walks[2], "http://loinc.org", "72514-3")["valueInteger"] == 0  # a 0 is a score
    assert component(walks[1], "http://loinc.org", "72514-3") is None


def test_relief_posture_and_estimated_distance_components(full_week):
    walks = walk_observations(bundle_of(full_week))
    relief = component(walks[2], LOCAL, "relief-posture")["valueCodeableConcept"]["coding"][0]
    assert relief == {"system": f"{BASE}/CodeSystem/relief-posture", "code": "sat_down", "display": "Sat down"}
    assert component(walks[1], LOCAL, "relief-posture") is None
    assert component(walks[3], LOCAL, "distance-estimated")["valueBoolean"] is True
    assert component(walks[0], LOCAL, "distance-estimated") is None
    assert walks[3]["note"] == [{"text": "Windy, uphill → slower"}]


def test_weekly_figures_cover_the_week(full_week):
    weekly = weekly_observations(bundle_of(full_week))
    assert set(weekly) == {"weekly-walk-count", "weekly-days-walked", "weekly-median-maximum-walking-distance",
                           "weekly-median-pain-free-walking-distance", "weekly-total-distance",
                           "weekly-rest-pain-days"}
    for obs in weekly.values():
        period = obs["effectivePeriod"]
        assert datetime.fromisoformat(period["start"]) == WEEK.start
        assert datetime.fromisoformat(period["end"]) == WEEK.end
    assert weekly["weekly-walk-count"]["valueInteger"] == 4
    assert weekly["weekly-days-walked"]["valueInteger"] == 3
    assert weekly["weekly-rest-pain-days"]["valueInteger"] == 1
    assert weekly["weekly-total-distance"]["valueQuantity"]["value"] == pytest.approx(1150.5)
    assert weekly["weekly-median-maximum-walking-distance"]["valueQuantity"]["value"] == pytest.approx(290)
    # Pain-free: 180, 250 (no pain: the whole walk), 200, 150 -> median 190.
    assert weekly["weekly-median-pain-free-walking-distance"]["valueQuantity"]["value"] == pytest.approx(190)


def test_flags_only_for_flags_that_are_not_resolved(full_week):
    flags = resources(bundle_of(full_week), "Flag")
    assert [f["code"]["coding"][0]["code"] for f in flags] == ["rest_pain", "distance_decline"]
    for f, line in zip(flags, full_week.flags):
        assert f["status"] == "active"
        assert f["category"][0]["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/flag-category"
        assert f["category"][0]["coding"][0]["code"] == "clinical"
        assert f["code"]["coding"][0] == {"system": LOCAL, "code": line.rule, "display": line.rule}
        assert f["code"]["text"] == line.message
        assert datetime.fromisoformat(f["period"]["start"]) == line.raised_at
    assert flags[0]["category"][1]["coding"][0]["code"] == "urgent"


def test_an_empty_week_is_still_a_valid_bundle_with_zero_counts():
    pw = week_of([], flags=[flag("logging_gap", "info", "open", at(-2), this_week=False)])
    bundle = bundle_of(pw)
    validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient"] + ["Observation"] * 6 + ["Flag"]
    weekly = weekly_observations(bundle)
    assert weekly["weekly-walk-count"]["valueInteger"] == 0
    assert weekly["weekly-days-walked"]["valueInteger"] == 0
    assert weekly["weekly-rest-pain-days"]["valueInteger"] == 0
    assert weekly["weekly-total-distance"]["valueQuantity"]["value"] == 0
    assert weekly["weekly-median-maximum-walking-distance"]["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"


def test_base_url_names_the_identifier_and_code_systems(full_week):
    bundle = bundle_of(full_week, base_url="https://diary.example.org/")
    validate(bundle)
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"][0]["system"] == "https://diary.example.org/clinic-number"
    systems = {c["system"] for o in walk_observations(bundle) for c in o["code"]["coding"]}
    assert "https://diary.example.org/CodeSystem/walking-diary" in systems
    assert bundle["entry"][0]["fullUrl"] != bundle_of(full_week)["entry"][0]["fullUrl"]


def test_a_naive_produced_at_is_read_as_clinic_time(full_week):
    bundle = bundle_of(full_week, produced_at=datetime(2026, 7, 1, 6, 0))  # British Summer Time
    validate(bundle)
    assert bundle["timestamp"] == "2026-07-01T06:00:00+01:00"


def test_every_local_code_is_documented():
    docs = (ROOT / "docs" / "exports.md").read_text()
    for code, display in C.DIARY_CODES.items():
        assert f"`{code}`" in docs and display in docs, code
    for code, display in {**C.RELIEF_CODES, **C.SEVERITY_CODES, **C.DANGER_SIGN_CODES}.items():
        assert f"`{code}`" in docs and display in docs, code
    for rule in RULES:
        assert f"`{rule}`" in docs, rule
    assert "R4B" in docs and "165263003" in docs and "72514-3" in docs
