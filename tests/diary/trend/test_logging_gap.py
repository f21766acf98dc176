from trend_builders import by_rule, checkin, walk


def regular_until(last_days_ago: float):
    """Two walks a week for 8 weeks, the last one ``last_days_ago``."""
    days = [last_days_ago + offset for week in range(8) for offset in (7 * week, 7 * week + 3)]
    return [walk(d) for d in days]


def test_fourteen_quiet_days_after_regular_logging_is_info():
    finding = by_rule(regular_until(14))["logging_gap"]
    assert finding.severity == "info"
    assert finding.data["days_without_entries"] == 14
    assert "No entries for 14 days (last entry 18 May 2025)" in finding.message
    assert finding.data["weeks_with_entries"] == 8


def test_thirteen_quiet_days_is_nothing():
    assert "logging_gap" not in by_rule(regular_until(13.99))


def test_a_check_in_counts_as_logging():
    assert "logging_gap" not in by_rule(regular_until(20) + [checkin(3)])


def test_an_occasional_logger_going_quiet_is_nothing():
    few = [walk(d) for d in (20, 27, 34, 41, 48)]
    assert "logging_gap" not in by_rule(few)
    assert "logging_gap" in by_rule(few + [walk(55)])


def test_entries_bunched_into_a_few_weeks_are_not_regular():
    bunched = [walk(20 + d) for d in (0, 1, 2, 7, 8, 9, 14, 15)]  # three 7-day blocks
    assert "logging_gap" not in by_rule(bunched)
    assert "logging_gap" in by_rule(bunched + [walk(20 + 21)])


def test_an_empty_diary_is_nothing():
    assert by_rule([]) == {}
