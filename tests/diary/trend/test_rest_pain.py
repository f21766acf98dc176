from datetime import UTC, datetime, timedelta

from trend_builders import NOW, by_rule, checkin, ids

from diary.trend import TrendConfig


def test_a_first_isolated_report_asks_for_review():
    c = checkin(1, rest_pain=True)
    finding = by_rule([checkin(8), c])["rest_pain"]
    assert finding.severity == "review"
    assert finding.entries == ids([c])
    assert "31 May 2025" in finding.message


def test_reports_spanning_14_days_are_urgent():
    reports = [checkin(15, rest_pain=True), checkin(8, rest_pain=True), checkin(1, rest_pain=True)]
    finding = by_rule(reports)["rest_pain"]
    assert finding.severity == "urgent"
    assert finding.data["span_days"] == 14
    assert "14 days apart" in finding.message
    assert finding.entries == ids(reports)


def test_reports_spanning_13_days_are_not_yet_urgent():
    finding = by_rule([checkin(14, rest_pain=True), checkin(1, rest_pain=True)])["rest_pain"]
    assert finding.severity == "review"
    assert finding.data["span_days"] == 13


def test_the_span_counts_utc_calendar_days_not_hours():
    # 20:00 on 17 May to 08:00 on 31 May is 13.5 days of clock time but
    # reports on 15 different days, 14 days apart.
    first = checkin(0, now=datetime(2025, 5, 17, 20, tzinfo=UTC), rest_pain=True)
    last = checkin(0, now=datetime(2025, 5, 31, 8, tzinfo=UTC), rest_pain=True)
    assert by_rule([first, last])["rest_pain"].severity == "urgent"


def test_night_pain_eased_by_hanging_the_leg_is_urgent_at_once():
    c = checkin(1, rest_pain=True, rest_pain_at_night=True, eased_by_hanging_leg=True)
    finding = by_rule([c])["rest_pain"]
    assert finding.severity == "urgent"
    assert "hangs down" in finding.message


def test_night_pain_alone_is_a_report_for_review():
    finding = by_rule([checkin(1, rest_pain_at_night=True)])["rest_pain"]
    assert finding.severity == "review"


def test_rest_pain_that_has_stopped_gives_no_finding():
    entries = [checkin(40, rest_pain=True), checkin(20, rest_pain=True), checkin(2)]
    assert "rest_pain" not in by_rule(entries)


def test_a_later_negative_check_in_starts_a_new_episode():
    later = [checkin(5, rest_pain=True), checkin(1, rest_pain=True)]
    entries = [checkin(30, rest_pain=True), checkin(25, rest_pain=True), checkin(20)] + later
    finding = by_rule(entries)["rest_pain"]
    assert finding.severity == "review"
    assert finding.entries == ids(later)


def test_a_report_older_than_the_lookback_is_not_current():
    assert "rest_pain" not in by_rule([checkin(42, rest_pain=True)])
    assert by_rule([checkin(41.9, rest_pain=True)])["rest_pain"].severity == "review"


def test_reports_far_apart_with_nothing_between_are_separate_episodes():
    finding = by_rule([checkin(100, rest_pain=True), checkin(1, rest_pain=True)])["rest_pain"]
    assert finding.severity == "review"
    assert finding.data["reports"] == 1


def test_a_positive_and_negative_check_in_at_the_same_instant_count_as_positive():
    at = NOW - timedelta(days=1)
    yes = checkin(0, now=at, rest_pain=True)
    no = checkin(0, now=at)
    assert by_rule([yes, no])["rest_pain"].entries == ids([yes])
    assert by_rule([no, yes])["rest_pain"].entries == ids([yes])


def test_check_ins_after_now_are_ignored():
    assert "rest_pain" not in by_rule([checkin(5), checkin(-1, rest_pain=True)])


def test_the_urgent_span_is_configurable():
    entries = [checkin(8, rest_pain=True), checkin(1, rest_pain=True)]
    assert by_rule(entries, config=TrendConfig(rest_pain_urgent_days=7))["rest_pain"].severity == "urgent"
