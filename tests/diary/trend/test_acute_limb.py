from trend_builders import by_rule, checkin, ids

from diary.entries import ColourChange


def test_sudden_onset_yesterday_is_an_emergency():
    c = checkin(1, sudden_onset=True, colour_change=ColourChange.pale, cold_foot=True)
    finding = by_rule([checkin(10), c])["acute_limb"]
    assert finding.severity == "urgent"
    assert "emergency" in finding.message
    assert "acute limb ischaemia" in finding.message
    assert "a pale foot" in finding.message and "a cold foot" in finding.message
    assert finding.entries == ids([c])


def test_sudden_onset_just_under_two_days_ago_counts():
    assert by_rule([checkin(1.99, sudden_onset=True)])["acute_limb"].severity == "urgent"


def test_sudden_onset_exactly_two_days_ago_is_outside_the_window():
    assert "acute_limb" not in by_rule([checkin(2, sudden_onset=True)])


def test_sudden_onset_three_days_ago_is_not_flagged_as_acute():
    assert "acute_limb" not in by_rule([checkin(3, sudden_onset=True)])


def test_a_later_check_in_does_not_clear_a_sudden_onset_report():
    entries = [checkin(1.5, sudden_onset=True), checkin(0.5)]
    assert by_rule(entries)["acute_limb"].severity == "urgent"


def test_a_check_in_after_now_is_ignored():
    assert "acute_limb" not in by_rule([checkin(-0.5, sudden_onset=True)])
