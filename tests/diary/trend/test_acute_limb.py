from datetime import timedelta

from trend_builders import NOW, by_rule, checkin, ids

from diary.entries import ColourChange


def test_sudden_onset_yesterday_is_an_emergency():
    c = checkin(1, sudden_onset=True, colour_change=ColourChange.pale, cold_foot=True)
    finding = by_rule([checkin(10), c])["acute_limb"]
    assert finding.severity == "emergency"
    assert "emergency" in finding.message
    assert "acute limb ischaemia" in finding.message
    assert "a pale foot" in finding.message and "a cold foot" in finding.message
    assert finding.entries == ids([c])
    assert finding.data["signs"] == ["sudden_change"]


def test_a_report_days_old_is_still_an_emergency_within_two_weeks():
    # By convention acute limb ischaemia covers symptoms under 2 weeks (ESVS 2020).
    assert by_rule([checkin(3, sudden_onset=True)])["acute_limb"].severity == "emergency"
    assert by_rule([checkin(13.99, sudden_onset=True)])["acute_limb"].severity == "emergency"


def test_a_sudden_change_that_began_14_days_ago_is_past_the_acute_window_but_same_day():
    finding = by_rule([checkin(14, sudden_onset=True)])
    assert "acute_limb" not in finding  # reported 14 days ago too: nothing new to act on
    late = by_rule([checkin(1, sudden_onset=True, sudden_onset_days_ago=14)])["acute_limb"]
    assert late.severity == "urgent"
    assert "same-day assessment" in late.message
    assert late.data["signs"] == ["sudden_change_late"]


def test_when_it_began_is_counted_from_the_report():
    # Reported 5 days ago, beginning 7 days before that: 12 days ago, still acute.
    assert by_rule([checkin(5, sudden_onset=True, sudden_onset_days_ago=7)])["acute_limb"].severity == "emergency"
    # Reported 5 days ago, beginning 10 days before that: 15 days ago, late.
    assert by_rule([checkin(5, sudden_onset=True, sudden_onset_days_ago=10)])["acute_limb"].severity == "urgent"


def test_a_report_that_waited_on_a_phone_is_an_emergency_however_late_it_arrives():
    late = checkin(9, sudden_onset=True)
    late = late.model_copy(update={"received_at": NOW - timedelta(hours=1)})
    finding = by_rule([late])["acute_limb"]
    assert finding.severity == "emergency"
    assert "reached the diary" in finding.message


def test_a_late_presentation_that_arrived_late_still_gives_a_finding():
    # Made 20 days ago (began then), reached the diary an hour ago: no longer acute, still same day.
    c = checkin(20, sudden_onset=True).model_copy(update={"received_at": NOW - timedelta(hours=1)})
    assert by_rule([c])["acute_limb"].severity == "urgent"


def test_a_start_date_without_the_answer_counts_as_a_sudden_change():
    assert by_rule([checkin(1, sudden_onset=None, sudden_onset_days_ago=0)])["acute_limb"].severity == "emergency"


def test_a_later_check_in_does_not_clear_a_sudden_onset_report():
    entries = [checkin(1.5, sudden_onset=True), checkin(0.5)]
    assert by_rule(entries)["acute_limb"].severity == "emergency"


def test_a_check_in_after_now_is_ignored():
    assert "acute_limb" not in by_rule([checkin(-0.5, sudden_onset=True)])
