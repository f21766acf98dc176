from trend_builders import by_rule, checkin, ids, silent

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


def test_a_wound_the_patient_says_has_healed_gives_no_finding():
    entries = [checkin(20, wound=True, wound_days=30), checkin(10, wound=True),
               checkin(2, wound=False, wound_healed=True)]
    assert "tissue_loss" not in by_rule(entries)


def test_a_later_check_in_that_does_not_say_healed_never_clears_a_wound():
    # Behaviour changed with the danger-signs release: "no wound" (the old form's
    # default) and a question left blank no longer clear a wound on record.
    reports = [checkin(20, wound=True), checkin(10, wound=True)]
    for later in (checkin(2), silent(2)):
        finding = by_rule([*reports, later])["tissue_loss"]
        assert finding.severity == "urgent"
        assert finding.entries == ids(reports)
        assert "1 later check-in did not say it had healed" in finding.message


def test_a_wound_stays_through_a_long_silence():
    # Formerly forgotten after 6 weeks without a check-in; silence is not healing.
    finding = by_rule([checkin(43, wound=True)])["tissue_loss"]
    assert finding.severity == "urgent"


def test_a_black_toe_stays_until_it_has_healed():
    toe = checkin(30, colour_change=ColourChange.black)
    entries = [toe, checkin(20), silent(10)]
    assert by_rule(entries)["tissue_loss"].data["signs"] == ["dark_toe"]
    assert "tissue_loss" not in by_rule([*entries, checkin(1, colour_change=None, colour_healed=True)])


def test_a_new_wound_after_one_healed_is_a_new_episode():
    old = [checkin(40, wound=True), checkin(30, wound_healed=True)]
    new = checkin(2, wound=True, wound_days=1)
    finding = by_rule([*old, checkin(20), new])["tissue_loss"]
    assert finding.entries == ids([new])


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
