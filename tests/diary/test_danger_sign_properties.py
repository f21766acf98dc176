"""Properties of the danger signs, for any answers a patient can give (Hypothesis):

- no answer is ever lost between the check-in form and the stored entry;
- a wound or a blue or black toe is never cleared by a later check-in that does not
  say it has healed;
- an emergency sign always gives an emergency finding and the emergency advice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from litestar.datastructures import FormMultiDict

from diary import store
from diary.advice import advice_for
from diary.entries import CaudaEquinaSign, CheckIn, ColourChange, HeartSymptom, InfectionSign
from diary.signs import BY_CODE, Grade, reported, signs_of
from diary.trend import assess
from server import forms

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SETTINGS = settings(max_examples=150, deadline=None)


def _ticks(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from([*values, "none"]), unique=True, max_size=4)


@st.composite
def check_in_forms(draw):  # type: ignore[no-untyped-def]
    """Any way of filling in (or leaving blank) the check-in form."""
    answers = {
        "rest_pain": draw(st.sampled_from(["", "yes", "no"])),
        "rest_pain_at_night": draw(st.booleans()),
        "eased_by_hanging_leg": draw(st.booleans()),
        "sudden_onset": draw(st.sampled_from(["", "yes", "no"])),
        "sudden_onset_days_ago": draw(st.sampled_from(["", "0", "1", "2", "7", "14"])),
        "wound": draw(st.sampled_from(["", "yes", "no", "healed"])),
        "wound_days": draw(st.sampled_from(["", "0", "3", "30"])),
        "colour_change": draw(st.sampled_from(["", "none", "pale", "blue", "black", "healed"])),
        "foot": draw(_ticks(["cold", "numb"])),
        "infection_signs": draw(_ticks([s.value for s in InfectionSign])),
        "heart_symptoms": draw(_ticks([s.value for s in HeartSymptom])),
        "cauda_equina_signs": draw(_ticks([s.value for s in CaudaEquinaSign])),
        "note": draw(st.text(st.characters(blacklist_categories=("Cc",)), max_size=30)),  # control characters are refused (diary.text)
    }
    return answers


def _post(answers: dict) -> FormMultiDict:
    pairs = [("id", str(uuid.UUID(int=7))), ("recorded_at", "2026-11-20T09:00")]
    for name, value in answers.items():
        if isinstance(value, bool):
            if value:
                pairs.append((name, "yes"))
        elif isinstance(value, list):
            pairs += [(name, v) for v in value]
        elif value:
            pairs.append((name, value))
    return FormMultiDict(pairs)


def _contradictions(a: dict) -> set[str]:
    found = set()
    if a["rest_pain"] == "no" and (a["rest_pain_at_night"] or a["eased_by_hanging_leg"]):
        found.add("rest_pain")
    if a["sudden_onset"] == "no" and a["sudden_onset_days_ago"]:
        found.add("sudden_onset")
    if a["wound"] != "yes" and a["wound_days"]:
        found.add("wound")
    for name in ("foot", "infection_signs", "heart_symptoms", "cauda_equina_signs"):
        if "none" in a[name] and len(a[name]) > 1:
            found.add(name)
    return found


@SETTINGS
@given(answers=check_in_forms())
def test_no_answer_is_lost_between_the_form_and_the_stored_entry(answers):  # type: ignore[no-untyped-def]
    result = forms.read_check_in(_post(answers), "Europe/London", NOW)
    expected_questions = _contradictions(answers)
    if expected_questions:
        # Contradictory answers are asked about, each one, and nothing is saved.
        assert set(result.errors) == expected_questions and result.entry is None
        return
    assert result.errors == {} and result.entry is not None
    entry = result.entry
    a = answers
    assert entry.rest_pain == {"yes": True, "no": False, "": None}[a["rest_pain"]]
    assert bool(entry.rest_pain_at_night) is a["rest_pain_at_night"]
    assert bool(entry.eased_by_hanging_leg) is a["eased_by_hanging_leg"]
    assert entry.sudden_onset == {"yes": True, "no": False, "": None}[a["sudden_onset"]]
    assert entry.sudden_onset_days_ago == (int(a["sudden_onset_days_ago"]) if a["sudden_onset_days_ago"] else None)
    assert entry.wound == {"yes": True, "no": False, "healed": False, "": None}[a["wound"]]
    assert entry.wound_healed == (True if a["wound"] == "healed" else None)
    assert entry.wound_days == (int(a["wound_days"]) if a["wound_days"] else None)
    colour = a["colour_change"]
    assert entry.colour_change == (None if colour in ("", "healed") else ColourChange(colour))
    assert entry.colour_healed == (True if colour == "healed" else None)
    assert entry.cold_foot == (None if not a["foot"] else "cold" in a["foot"])
    assert entry.numb_foot == (None if not a["foot"] else "numb" in a["foot"])
    for name in ("infection_signs", "heart_symptoms", "cauda_equina_signs"):
        given_ = a[name]
        kept = getattr(entry, name)
        assert (None if not given_ else [] if given_ == ["none"] else sorted(given_)) == \
            (None if kept is None else sorted(v.value for v in kept)), name
    assert entry.note == a["note"].strip()
    # Every positive answer is in the words the patient and the clinic read.
    said = " ".join(reported(entry))
    for tick, words in (("rest_pain_at_night", "at night"), ("eased_by_hanging_leg", "eased by hanging")):
        if a[tick]:
            assert words in said
    for name, words in (("cold", "a cold foot"), ("numb", "a numb foot")):
        if name in a["foot"]:
            assert words in said
    if "chest_pain" in a["heart_symptoms"]:
        assert "chest pain" in said
    # And the stored row gives back the same entry.
    values = store.row_values(entry)
    rebuilt = store._rebuild(values["kind"], entry.id, values["occurred_at"], values["utc_offset_min"],
                             {k: v for k, v in values.items() if k not in ("kind", "occurred_at", "utc_offset_min")})
    assert rebuilt.model_dump(mode="json", exclude={"received_at"}) == entry.model_dump(
        mode="json", exclude={"received_at"})


_answer = st.none() | st.booleans()


@st.composite
def later_check_ins(draw, start: float):  # type: ignore[no-untyped-def]
    """Any check-in after day ``start`` that does not say a sign has healed."""
    return CheckIn(
        id=uuid.UUID(int=draw(st.integers(100, 10**9))),
        recorded_at=NOW - timedelta(days=draw(st.floats(0, start - 0.01))),
        rest_pain=draw(_answer), wound=draw(_answer), cold_foot=draw(_answer), numb_foot=draw(_answer),
        colour_change=draw(st.none() | st.sampled_from(list(ColourChange))),
        wound_healed=draw(st.none() | st.just(False)), colour_healed=draw(st.none() | st.just(False)),
        infection_signs=draw(st.none() | st.lists(st.sampled_from(list(InfectionSign)), max_size=2, unique=True)),
        sudden_onset=draw(_answer),
    )


@SETTINGS
@given(data=st.data(), sign=st.sampled_from(["wound", "blue", "black"]), day=st.floats(1, 150))
def test_a_tissue_loss_sign_is_never_cleared_without_healed(data, sign, day):  # type: ignore[no-untyped-def]
    first = CheckIn(id=uuid.UUID(int=1), recorded_at=NOW - timedelta(days=day),
                    **({"wound": True} if sign == "wound" else {"colour_change": ColourChange(sign)}))
    later = data.draw(st.lists(later_check_ins(day), max_size=8, unique_by=lambda c: c.id))
    findings = {f.rule: f for f in assess([first, *later], NOW)}
    assert "tissue_loss" in findings and findings["tissue_loss"].severity == "urgent"
    assert ("wound" if sign == "wound" else "dark_toe") in findings["tissue_loss"].data["signs"]
    assert str(first.id) in findings["tissue_loss"].entries


_EMERGENCIES = {
    "sudden_change": {"sudden_onset": True},
    "chest_pain": {"heart_symptoms": [HeartSymptom.chest_pain]},
    "cauda_equina": {"cauda_equina_signs": [CaudaEquinaSign.saddle_numbness]},
    "infected_wound_unwell": {"wound": True, "infection_signs": [InfectionSign.fever]},
    "infected_wound_diabetes": {"wound": True, "infection_signs": [InfectionSign.pus]},
}


@SETTINGS
@given(code=st.sampled_from(sorted(_EMERGENCIES)), hours=st.floats(0, 24 * 13), onset=st.sampled_from([None, 0, 1, 2]),
       rest=_answer, cold=_answer, colour=st.none() | st.sampled_from(list(ColourChange)),
       heart=st.lists(st.sampled_from(list(HeartSymptom)), max_size=2, unique=True),
       diabetes=st.none() | st.booleans())
def test_an_emergency_sign_always_gives_an_emergency_finding_and_advice(code, hours, onset, rest, cold, colour, heart,
                                                                        diabetes):  # type: ignore[no-untyped-def]
    if code == "infected_wound_diabetes":
        diabetes = True
    fields = {"rest_pain": rest, "cold_foot": cold, "colour_change": colour, "heart_symptoms": heart,
              **_EMERGENCIES[code]}
    if code == "sudden_change":
        fields["sudden_onset_days_ago"] = onset
        assume(hours / 24 + (onset or 0) < 14)
    entry = CheckIn(id=uuid.UUID(int=5), recorded_at=NOW - timedelta(hours=hours), **fields)
    assert BY_CODE[code].grade == Grade.emergency
    advice = advice_for(entry, diabetes)
    assert advice is not None and advice.grade == Grade.emergency and advice.title == "Get help now"
    assert any("{emergency}" in line for line in advice.lines)
    from diary.entries import PatientInfo

    findings = assess([entry], NOW, patient=PatientInfo(diabetes=diabetes))
    emergency = [f for f in findings if f.severity == "emergency"]
    assert emergency, signs_of(entry, diabetes)
    expected = "infected_wound_unwell" if code.startswith("infected") and "fever" in str(entry.infection_signs) \
        else code
    assert any(expected in f.data["signs"] for f in emergency)
