import json

import pytest

from diary.entries import EntryError
from diary.trend import assess_document_json

WALK_ID = "7f1c1c9e-6a41-4d38-9a57-3f2f1f1e0a01"


def document(*entries) -> str:
    return json.dumps({"entries": list(entries)})


def checkin(day: int, **fields) -> dict:
    return {"type": "check_in", "id": f"00000000-0000-4000-8000-{day:012d}",
            "recorded_at": f"2025-03-{day:02d}T09:00:00+00:00", **fields}


def test_the_output_has_exactly_the_agreed_keys():
    text = document(checkin(1), checkin(10, rest_pain=True, rest_pain_at_night=True, eased_by_hanging_leg=True),
                    checkin(11, rest_pain=True, wound=True, wound_days=20))
    out = assess_document_json(text, None)
    assert set(out) == {"findings"}
    assert [f["rule"] for f in out["findings"]] == ["rest_pain", "tissue_loss"]
    for finding in out["findings"]:
        assert set(finding) == {"rule", "severity", "entries", "message", "rule_version"}
        assert isinstance(finding["entries"], list)
    json.dumps(out)


def test_now_defaults_to_the_latest_entry():
    text = document(checkin(1), checkin(2, sudden_onset=True))
    assert [f["rule"] for f in assess_document_json(text, None)["findings"]] == ["acute_limb"]


def test_a_given_now_is_used():
    from datetime import UTC, datetime

    text = document(checkin(2, sudden_onset=True))
    assert assess_document_json(text, datetime(2025, 4, 1, tzinfo=UTC)) == {"findings": []}


def test_bytes_are_accepted():
    assert assess_document_json(document(checkin(1)).encode(), None) == {"findings": []}


def test_an_empty_document_has_no_findings():
    assert assess_document_json(document(), None) == {"findings": []}


def test_bad_json_raises_entry_error():
    with pytest.raises(EntryError, match="document"):
        assess_document_json("{not json", None)


def test_a_bad_entry_names_the_entry_and_the_field():
    bad = {"type": "walk", "id": WALK_ID, "walked_at": "2025-03-01T09:00:00+00:00", "distance_m": -5}
    with pytest.raises(EntryError) as caught:
        assess_document_json(document(checkin(1), bad), None)
    message = str(caught.value)
    assert "entries[1]" in message
    assert WALK_ID in message
    assert "distance_m" in message


def test_the_patient_object_says_the_patient_has_diabetes():
    entries = [checkin(10, wound=True, infection_signs=["spreading_redness"])]
    without = assess_document_json(document(*entries), None)["findings"]
    assert [(f["rule"], f["severity"]) for f in without if f["rule"] == "wound_infection"] == [
        ("wound_infection", "urgent")]
    text = json.dumps({"patient": {"diabetes": True, "measurements": [{"abi": 0.6}]}, "entries": entries})
    found = {f["rule"]: f["severity"] for f in assess_document_json(text, None)["findings"]}
    assert found["wound_infection"] == "emergency"  # unknown keys of the patient object are ignored
    for unrecorded in ({}, {"diabetes": None}, None):
        text = json.dumps({"patient": unrecorded, "entries": entries})
        found = {f["rule"]: f["severity"] for f in assess_document_json(text, None)["findings"]}
        assert found["wound_infection"] == "urgent"


def test_a_bad_patient_object_is_named():
    with pytest.raises(EntryError, match="patient.diabetes"):
        assess_document_json(json.dumps({"patient": {"diabetes": "very"}, "entries": []}), None)
    with pytest.raises(EntryError, match="patient"):
        assess_document_json(json.dumps({"patient": [1], "entries": []}), None)


def test_now_defaults_to_the_latest_time_received_too():
    # Made on the 1st, kept on a phone, received on the 20th: assessed as of the 20th.
    late = checkin(1, sudden_onset=True, received_at="2025-03-20T09:00:00+00:00")
    [finding] = assess_document_json(document(late), None)["findings"]
    assert finding["rule"] == "acute_limb" and finding["severity"] == "urgent"  # began 19 days before
    assert "reached the diary at 20 Mar 2025" in finding["message"]


def test_an_old_document_without_the_new_answers_reads_as_before():
    old = [checkin(1, rest_pain=False, rest_pain_at_night=False, eased_by_hanging_leg=False, wound=True,
                   wound_days=3, colour_change=None, cold_foot=False, sudden_onset=False)]
    [finding] = assess_document_json(document(*old), None)["findings"]
    assert (finding["rule"], finding["severity"]) == ("tissue_loss", "urgent")
