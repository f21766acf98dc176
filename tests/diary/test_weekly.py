"""The weekly summary's figures on known data, and ISO weeks in the clinic's time zone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from diary.entries import CheckIn, Walk
from diary.weekly import FlagLine, Week, summarise

LONDON = "Europe/London"
TZ = ZoneInfo(LONDON)


def walk(when: datetime, distance: float, onset: float | None, relief: str = "stood_still") -> Walk:
    return Walk(id=uuid.uuid4(), walked_at=when, distance_m=distance, pain_onset_m=onset,
                stopped_by_pain=onset is not None, relief=relief if onset is not None else "no_pain")


def check_in(when: datetime, **fields) -> CheckIn:  # type: ignore[no-untyped-def]
    return CheckIn(id=uuid.uuid4(), recorded_at=when, **fields)


def local(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=TZ)


def summary(week: Week, entries, **kw):  # type: ignore[no-untyped-def]
    return summarise(patient_id=1, name="Test", clinic_number="T-1", week=week, entries=entries,
                     flags=kw.pop("flags", []), notes=[], **kw)


def test_a_week_is_monday_to_monday_in_the_clinic_time_zone():
    week = Week.parse("2026-W47", LONDON)
    assert week.start == datetime(2026, 11, 16, tzinfo=TZ) and week.end == datetime(2026, 11, 23, tzinfo=TZ)
    assert week.previous().label == "2026-W46" and week.following().label == "2026-W48"


def test_the_week_with_the_spring_clock_change_is_167_hours():
    week = Week.parse("2026-W13", LONDON)  # clocks go forward on Sunday 29 March 2026
    assert (week.end.timestamp() - week.start.timestamp()) / 3600 == 167


def test_entries_near_midnight_fall_in_the_local_week_across_the_autumn_change():
    week = Week.parse("2026-W43", LONDON)  # clocks go back on Sunday 25 October 2026
    sunday_late = datetime(2026, 10, 25, 23, 30, tzinfo=TZ)      # 23:30 GMT, still W43
    monday_early = datetime(2026, 10, 26, 0, 30, tzinfo=TZ)      # next week
    saturday_bst = datetime(2026, 10, 24, 23, 30, tzinfo=TZ)     # 22:30 UTC, BST
    entries = [walk(sunday_late, 300, 200), walk(monday_early, 310, 210), walk(saturday_bst, 280, 190)]
    pw = summary(week, entries)
    assert pw.walk_count == 2 and pw.days_walked == 2
    assert (week.end.timestamp() - week.start.timestamp()) / 3600 == 169


@pytest.mark.parametrize("text", ["2026-47", "2026-W54", "W47", "", "2026-W00", "2026-W5"])
def test_a_bad_week_is_refused_with_a_clear_message(text):
    with pytest.raises(ValueError, match="week"):
        Week.parse(text, LONDON)


def test_the_figures_of_a_week():
    week = Week.parse("2026-W47", LONDON)
    entries = [
        walk(local(2026, 11, 16), 300, 200),
        walk(local(2026, 11, 16, 18), 500, None),
        walk(local(2026, 11, 18), 200, 100, "sat_down"),
        walk(local(2026, 11, 20), 400, 250),
        walk(local(2026, 11, 10), 600, 400),  # previous week
        walk(local(2026, 11, 11), 600, 400),
        check_in(local(2026, 11, 17), rest_pain=True),
        check_in(local(2026, 11, 17, 22), rest_pain=True, rest_pain_at_night=True),
        check_in(local(2026, 11, 19), wound=True, wound_days=4),
    ]
    pw = summary(week, entries)
    assert (pw.walk_count, pw.days_walked, pw.target_met) == (4, 3, True)
    assert pw.total_distance_m == 1400
    assert (pw.max_median_m, pw.max_best_m) == (350, 500)
    assert (pw.pain_free_median_m, pw.pain_free_best_m) == (225, 500)
    assert pw.previous_max_median_m == 600 and pw.change_pct(pw.max_median_m, pw.previous_max_median_m) == -42
    assert (pw.rest_pain_days, pw.wounds_reported) == (1, 1)
    assert pw.relief == {"stood_still": 2, "sat_down": 1}
    assert pw.fontaine == "IV"


def test_fewer_than_three_days_misses_the_session_target():
    week = Week.parse("2026-W47", LONDON)
    pw = summary(week, [walk(local(2026, 11, 16), 300, 200), walk(local(2026, 11, 16, 15), 300, 200)])
    assert (pw.walk_count, pw.days_walked, pw.target_met) == (2, 1, False)


def test_the_diary_based_fontaine_estimate():
    week = Week.parse("2026-W47", LONDON)
    short = [walk(local(2026, 11, d), 150, 90) for d in (16, 18, 20)]
    long = [walk(local(2026, 11, d), 450, 300) for d in (16, 18, 20)]
    painless = [walk(local(2026, 11, d), 900, None) for d in (16, 18)]
    assert summary(week, short).fontaine == "IIb"
    assert summary(week, long).fontaine == "IIa"
    assert summary(week, painless).fontaine == "I"
    assert summary(week, long + [check_in(local(2026, 11, 19), rest_pain=True)]).fontaine == "III"
    assert summary(week, []).fontaine == "unknown"


def test_an_empty_week_still_summarises():
    week = Week.parse("2026-W47", LONDON)
    flag = FlagLine(rule="rest_pain", severity="urgent", status="open", message="m",
                    raised_at=local(2026, 11, 1), raised_this_week=False)
    pw = summary(week, [], flags=[flag])
    assert pw.empty and pw.walk_count == 0 and pw.max_median_m is None and pw.worst_severity == "urgent"


def test_the_baseline_is_the_best_28_day_median_before_the_week():
    week = Week.parse("2026-W47", LONDON)
    earlier = [walk(week.start - timedelta(days=d), 500 if d > 60 else 300, 300) for d in range(20, 120, 3)]
    pw = summary(week, earlier + [walk(local(2026, 11, 17), 250, 150)])
    assert pw.baseline_max_m == 500


def test_the_fontaine_estimate_carries_tissue_loss_until_it_has_healed():
    week = Week.parse("2026-W47", LONDON)
    long = [walk(local(2026, 11, d), 450, 300) for d in (16, 18, 20)]
    earlier_wound = check_in(local(2026, 11, 2), wound=True, wound_days=3)
    assert summary(week, long + [earlier_wound, check_in(local(2026, 11, 17), wound=False)]).fontaine == "IV"
    healed = check_in(local(2026, 11, 17), wound=False, wound_healed=True)
    assert summary(week, long + [earlier_wound, healed]).fontaine == "IIa"
    # A blue toe alone is not stage IV; a black one is.
    assert summary(week, long + [check_in(local(2026, 11, 17), colour_change="blue")]).fontaine == "IIa"
    assert summary(week, long + [check_in(local(2026, 11, 17), colour_change="black")]).fontaine == "IV"
