from trend_builders import by_rule, checkin, ids

from diary.entries import ColourChange


def test_a_wound_on_the_latest_check_in_is_urgent():
    c = checkin(1, wound=True, wound_days=3)
    finding = by_rule([checkin(9), c])["tissue_loss"]
    assert finding.severity == "urgent"
    assert finding.entries == ids([c])
    assert "present for 3 days" in finding.message
    assert "not healing" not in finding.message


def test_a_wound_of_14_days_is_not_healing():
    finding = by_rule([checkin(1, wound=True, wound_days=14)])["tissue_loss"]
    assert "not healing for 14 days" in finding.message
    assert "Global Vascular Guidelines 2019" in finding.message
    assert finding.data["wound_days"] == 14


def test_a_wound_of_13_days_is_urgent_but_not_yet_called_not_healing():
    finding = by_rule([checkin(1, wound=True, wound_days=13)])["tissue_loss"]
    assert finding.severity == "urgent"
    assert "not healing" not in finding.message


def test_the_same_wound_reported_over_14_days_is_not_healing():
    reports = [checkin(15, wound=True), checkin(8, wound=True), checkin(1, wound=True)]
    finding = by_rule(reports)["tissue_loss"]
    assert "not healing for 14 days" in finding.message
    assert finding.entries == ids(reports)


def test_the_same_wound_reported_over_13_days_is_not_yet_not_healing():
    finding = by_rule([checkin(14, wound=True), checkin(1, wound=True)])["tissue_loss"]
    assert finding.data["wound_days"] == 13
    assert "not healing" not in finding.message


def test_reported_wound_days_are_carried_forward_to_the_latest_report():
    finding = by_rule([checkin(6, wound=True, wound_days=10), checkin(1, wound=True)])["tissue_loss"]
    assert finding.data["wound_days"] == 15
    assert "not healing for 15 days" in finding.message


def test_a_healed_wound_gives_no_finding():
    entries = [checkin(20, wound=True, wound_days=30), checkin(10, wound=True), checkin(2)]
    assert "tissue_loss" not in by_rule(entries)


def test_a_wound_report_older_than_the_lookback_is_not_current():
    assert "tissue_loss" not in by_rule([checkin(43, wound=True)])


def test_a_blue_or_black_toe_is_urgent():
    for colour in (ColourChange.blue, ColourChange.black):
        finding = by_rule([checkin(1, colour_change=colour)])["tissue_loss"]
        assert finding.severity == "urgent"
        assert colour.value in finding.message


def test_a_pale_foot_alone_is_not_tissue_loss():
    found = by_rule([checkin(1, colour_change=ColourChange.pale)])
    assert "tissue_loss" not in found
    assert "pale_cold_foot" not in found


def test_a_pale_and_cold_foot_asks_for_review_under_its_own_rule():
    found = by_rule([checkin(1, colour_change=ColourChange.pale, cold_foot=True)])
    assert "tissue_loss" not in found
    assert found["pale_cold_foot"].severity == "review"


def test_a_cold_foot_alone_gives_nothing():
    assert by_rule([checkin(1, cold_foot=True)]) == {}


def test_a_pale_cold_foot_that_has_warmed_up_gives_nothing():
    entries = [checkin(5, colour_change=ColourChange.pale, cold_foot=True), checkin(1)]
    assert "pale_cold_foot" not in by_rule(entries)
