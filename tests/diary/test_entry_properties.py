"""Properties of entry validation (``diary.entries``), over generated input.

- Any JSON value, or an entry with any of its fields replaced by any JSON value,
  either parses or is refused with an EntryError, never another exception; and
  what parses keeps to the documented ranges.
- A valid walk or check-in survives parse -> dump -> parse unchanged.
- Pain beginning beyond the distance walked is always refused, naming pain_onset_m.
- A time more than 24 hours ahead is always refused, naming the time field; any
  time either is refused or can be shown in any time zone.
- ``read_json`` reads what ``json.dumps`` writes, and refuses a key given twice.

In CI the examples are fixed (the derandomized profile of tests/conftest.py).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from diary.entries import (
    MAX_DISTANCE_M,
    MAX_DURATION_MIN,
    MAX_NOTE_CHARS,
    MAX_RELIEF_MINUTES,
    MAX_WOUND_DAYS,
    CheckIn,
    ColourChange,
    EntryError,
    PainSite,
    Relief,
    Sensation,
    Side,
    Source,
    Terrain,
    Walk,
    dump_entry,
    parse_entry,
    read_json,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

# What a JSON parser can hand over (JSON has no NaN or Infinity; damaged_entries adds them).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
offsets = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)),
                           timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=14)),
                           timezone(timedelta(hours=-12))])
past_times = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2026, 11, 28), timezones=offsets)
metres = st.floats(0, MAX_DISTANCE_M)

# A valid note: any text but control characters (line feeds apart; diary.text).
NOTES = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")) | st.just("\n"), max_size=60)


@st.composite
def walks(draw: st.DrawFn) -> dict[str, Any]:
    distance = draw(metres)
    onset = draw(st.none() | st.floats(0, distance))
    duration = draw(st.none() | st.floats(0, MAX_DURATION_MIN))
    walk: dict[str, Any] = {
        "type": "walk", "id": str(draw(st.uuids())), "walked_at": draw(past_times).isoformat(),
        "distance_m": distance, "pain_onset_m": onset, "stopped_by_pain": draw(st.booleans()),
        "relief": draw(st.none() | st.sampled_from([r.value for r in Relief])),
        "relief_minutes": draw(st.none() | st.floats(0, MAX_RELIEF_MINUTES)),
        "pain_sites": draw(st.lists(st.sampled_from([p.value for p in PainSite]), unique=True)),
        "side": draw(st.none() | st.sampled_from([s.value for s in Side])),
        "sensations": draw(st.lists(st.sampled_from([s.value for s in Sensation]), unique=True)),
        "terrain": draw(st.sampled_from([t.value for t in Terrain])),
        "pain_score": draw(st.none() | st.integers(0, 10)),
        "source": draw(st.sampled_from([s.value for s in Source])),
        "note": draw(NOTES),
        "duration_min": duration,
        "pain_onset_min": None if duration is None else draw(st.none() | st.floats(0, duration)),
        "distance_estimated": draw(st.booleans()),
    }
    return walk


@st.composite
def check_ins(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": "check_in", "id": str(draw(st.uuids())), "recorded_at": draw(past_times).isoformat(),
        "rest_pain": draw(st.booleans()), "rest_pain_at_night": draw(st.booleans()),
        "eased_by_hanging_leg": draw(st.booleans()), "wound": draw(st.booleans()),
        "wound_days": draw(st.none() | st.integers(0, MAX_WOUND_DAYS)),
        "colour_change": draw(st.none() | st.sampled_from([c.value for c in ColourChange])),
        "cold_foot": draw(st.booleans()), "sudden_onset": draw(st.booleans()), "note": draw(NOTES),
    }


entries = walks() | check_ins()


@st.composite
def damaged_entries(draw: st.DrawFn) -> dict[str, Any]:
    """A valid entry with some of its fields, or new keys, set to any JSON value."""
    entry = draw(entries)
    for key in draw(st.lists(st.sampled_from(sorted(entry)) | st.text(max_size=8), min_size=1, max_size=4)):
        entry[key] = draw(json_values | st.sampled_from([math.inf, -math.inf, math.nan, 1e400, -1, 10**30]))
    return entry


def parse_or_refuse(value: Any) -> Walk | CheckIn | None:
    try:
        return parse_entry(value, now=NOW)
    except EntryError as exc:
        assert exc.problems and all(field and message for field, message in exc.problems)
        return None


def assert_in_range(entry: Walk | CheckIn) -> None:
    """What parses is what the contract documents: finite numbers within their limits."""
    if isinstance(entry, Walk):
        for value, top in ((entry.distance_m, MAX_DISTANCE_M), (entry.pain_onset_m, entry.distance_m),
                           (entry.relief_minutes, MAX_RELIEF_MINUTES), (entry.duration_min, MAX_DURATION_MIN),
                           (entry.pain_onset_min, entry.duration_min or MAX_DURATION_MIN)):
            assert value is None or 0 <= value <= top
        assert entry.pain_score is None or 0 <= entry.pain_score <= 10
        assert entry.walked_at - NOW <= timedelta(hours=24)
    else:
        assert entry.wound_days is None or 0 <= entry.wound_days <= MAX_WOUND_DAYS
        assert entry.recorded_at - NOW <= timedelta(hours=24)
    assert len(entry.note) <= MAX_NOTE_CHARS
    json.dumps(dump_entry(entry), allow_nan=False)  # and it can be written back as JSON


@given(json_values)
def test_any_json_value_parses_or_is_refused_with_an_entry_error(value: Any) -> None:
    parsed = parse_or_refuse(value)
    if parsed is not None:
        assert_in_range(parsed)


@given(damaged_entries())
def test_an_entry_with_any_field_damaged_parses_or_is_refused_with_an_entry_error(value: dict[str, Any]) -> None:
    parsed = parse_or_refuse(value)
    if parsed is not None:
        assert_in_range(parsed)


@given(entries)
def test_a_valid_entry_survives_parse_dump_parse_unchanged(value: dict[str, Any]) -> None:
    first = parse_entry(value, now=NOW)
    dumped = dump_entry(first)
    again = parse_entry(json.loads(json.dumps(dumped)), now=NOW)
    assert again == first
    assert dump_entry(again) == dumped  # the writer's UTC offset is kept, not only the instant


@given(walks(), st.floats(min_value=0.001, max_value=MAX_DISTANCE_M))
def test_pain_beyond_the_distance_walked_is_refused_naming_pain_onset_m(walk: dict[str, Any], beyond: float) -> None:
    assume(walk["distance_m"] + beyond > walk["distance_m"])  # not lost to rounding
    walk["pain_onset_m"] = walk["distance_m"] + beyond
    with pytest.raises(EntryError) as refused:
        parse_entry(walk, now=NOW)
    assert "pain_onset_m" in [field for field, _ in refused.value.problems]


@given(entries, st.timedeltas(min_value=timedelta(hours=24, microseconds=1), max_value=timedelta(days=3650)),
       offsets)
def test_a_time_more_than_a_day_ahead_is_refused_naming_the_field(
    value: dict[str, Any], ahead: timedelta, offset: timezone,
) -> None:
    field = "walked_at" if value["type"] == "walk" else "recorded_at"
    value[field] = (NOW + ahead).astimezone(offset).isoformat()
    with pytest.raises(EntryError) as refused:
        parse_entry(value, now=NOW)
    assert field in [f for f, _ in refused.value.problems]


@given(entries, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=24)), offsets)
def test_a_time_up_to_a_day_ahead_is_accepted(value: dict[str, Any], ahead: timedelta, offset: timezone) -> None:
    field = "walked_at" if value["type"] == "walk" else "recorded_at"
    value[field] = (NOW + ahead).astimezone(offset).isoformat()
    assert parse_entry(value, now=NOW).occurred_at == NOW + ahead


@given(entries, st.datetimes(timezones=offsets), st.none() | st.just(NOW))
def test_any_time_parses_or_is_refused_and_what_parses_can_be_shown_in_any_zone(
    value: dict[str, Any], when: datetime, now: datetime | None,
) -> None:
    """Times near the ends of Python's range must not pass and then overflow when stored or shown."""
    field = "walked_at" if value["type"] == "walk" else "recorded_at"
    value[field] = when.isoformat()
    try:
        parsed = parse_entry(value, now=now)
    except EntryError as refused:
        assert field in [f for f, _ in refused.problems]
        return
    for zone in (UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))):
        parsed.occurred_at.astimezone(zone)


@given(json_values)
def test_read_json_reads_what_json_dumps_writes(value: Any) -> None:
    assert read_json(json.dumps(value).encode()) == value


@given(st.dictionaries(st.text(max_size=8), json_values, min_size=1, max_size=5), st.data())
def test_read_json_refuses_a_key_given_twice(value: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(value)))
    text = json.dumps(value)[:-1] + f", {json.dumps(key)}: 1}}"
    with pytest.raises(EntryError, match="more than once"):
        read_json(text)


@given(st.binary(max_size=200))
def test_read_json_reads_any_bytes_or_refuses_them_with_an_entry_error(raw: bytes) -> None:
    try:
        read_json(raw)
    except EntryError:
        pass


def test_read_json_refuses_nesting_too_deep_for_the_parser() -> None:
    with pytest.raises(EntryError, match="nested too deeply"):
        read_json("[" * 100_000 + "]" * 100_000)

