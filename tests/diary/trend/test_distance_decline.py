from datetime import datetime, timedelta, timezone

from trend_builders import NOW, ago, baseline_walks, by_rule, ids, walk, walks_between

from diary.trend import TrendConfig


def recent(*distances: float, **fields):
    """Walks in the last 14 days, oldest first, one every 3 days from 13 days ago."""
    return [walk(13 - 3 * i, d, **fields) for i, d in enumerate(distances)]


def test_a_fall_of_exactly_30_percent_flags():
    finding = by_rule(baseline_walks(300) + recent(210, 210, 210))["distance_decline"]
    assert finding.severity == "review"
    assert finding.data["decline_pct"] == 30
    assert finding.data["baseline_median_m"] == 300
    assert finding.data["recent_median_m"] == 210


def test_a_fall_of_exactly_30_percent_flags_whatever_the_floating_point():
    assert "distance_decline" in by_rule(baseline_walks(270) + recent(189, 189, 189))
    assert "distance_decline" in by_rule(baseline_walks(330) + recent(231, 231, 231))


def test_a_fall_of_29_percent_does_not_flag():
    assert "distance_decline" not in by_rule(baseline_walks(300) + recent(213, 213, 213))


def test_two_recent_walks_are_not_enough_and_three_are():
    assert "distance_decline" not in by_rule(baseline_walks(300) + recent(150, 150))
    assert "distance_decline" in by_rule(baseline_walks(300) + recent(150, 150, 150))


def test_the_fall_must_be_confirmed_by_three_walks_not_just_the_median():
    # Median 100 m, but only two walks were low: one more bad day is not a trend.
    assert "distance_decline" not in by_rule(baseline_walks(300) + recent(100, 100, 300))
    assert "distance_decline" in by_rule(baseline_walks(300) + recent(100, 100, 300, 100))


def test_the_message_quotes_the_numbers_and_the_evidence_is_the_recent_walks():
    walks = recent(140, 150, 130, 145)
    finding = by_rule(baseline_walks(300) + walks)["distance_decline"]
    assert finding.entries == ids(walks)
    assert finding.message.startswith(
        "Median maximum walking distance over the last 14 days is 142 m (4 walks), 52% below the baseline of 300 m "
        "(best 28-day median, "
    )
    assert "Median pain-free walking distance over the last 14 days is 100 m (4 walks)" in finding.message
    assert "not a guideline figure" in finding.message
    for key in ("recent_median_m", "baseline_median_m", "baseline_start", "baseline_end", "decline_pct"):
        assert key in finding.data


def test_a_slow_decline_over_months_is_caught():
    # 320 m six and a half months ago down to 180 m now: about 4% a fortnight,
    # never a big step, 40% in all.
    walks = [walk(day, 180 + 140 * day / 200) for day in range(200, -1, -2)]
    finding = by_rule(walks)["distance_decline"]
    assert finding.data["decline_pct"] >= 38
    # The best window is the oldest allowed one, not the month just before.
    assert datetime.fromisoformat(finding.data["baseline_start"]) < NOW - timedelta(days=190)


def test_walks_older_than_six_months_before_the_recent_window_are_not_the_baseline():
    old = walks_between(300, 200, 2, 400)
    usual = walks_between(196, 16, 2, 250)
    assert "distance_decline" not in by_rule(old + usual + recent(250, 240, 260))
    finding = by_rule(old + usual + recent(175, 175, 175))["distance_decline"]
    assert finding.data["baseline_median_m"] == 250


def test_a_clinicians_baseline_reset_drops_the_earlier_level():
    before = walks_between(100, 60, 2, 300)
    after = walks_between(58, 16, 2, 200)
    walks = before + after + recent(150, 150, 150)
    assert "distance_decline" in by_rule(walks)
    assert "distance_decline" not in by_rule(walks, baseline_since=ago(60))


def test_baseline_windows_need_three_walks():
    sparse = walks_between(160, 16, 15, 300)  # never 3 walks in 28 days
    assert "distance_decline" not in by_rule(sparse + recent(100, 100, 100))
    assert "distance_decline" in by_rule(walks_between(160, 16, 10, 300) + recent(100, 100, 100))


def test_without_any_baseline_window_the_rule_is_silent():
    assert "distance_decline" not in by_rule(recent(300, 100, 100, 100))


def test_a_fall_in_pain_free_distance_alone_flags():
    walks = baseline_walks(300, onset=200) + recent(300, 300, 300, onset=100)
    finding = by_rule(walks)["distance_decline"]
    assert finding.data["metric"] == "pain_free"
    assert finding.data["maximum"]["declined"] is False
    assert finding.message.startswith("Median pain-free walking distance")
    assert "maximum walking distance" not in finding.message


def test_walks_without_pain_count_their_whole_distance_as_pain_free():
    walks = baseline_walks(300, onset=None) + recent(150, 150, 150, onset=None)
    finding = by_rule(walks)["distance_decline"]
    assert finding.data["pain_free"]["recent_median_m"] == 150
    assert finding.data["pain_free"]["baseline_median_m"] == 300


def test_walks_of_zero_metres_count_as_zero():
    finding = by_rule(baseline_walks(300) + recent(0, 0, 0, onset=None))["distance_decline"]
    assert finding.data["decline_pct"] == 100


def test_estimated_distances_are_mentioned():
    walks = baseline_walks(300) + recent(150, 150, distance_estimated=True) + [walk(1, 150)]
    finding = by_rule(walks)["distance_decline"]
    assert "2 of the 3 recent walks had distances estimated from minutes walked" in finding.message


def test_a_walk_exactly_14_days_ago_belongs_to_the_baseline_not_the_recent_window():
    walks = baseline_walks(300) + [walk(14, 100), walk(10, 100), walk(5, 100)]
    assert "distance_decline" not in by_rule(walks)
    assert "distance_decline" in by_rule(walks + [walk(0, 100)])


def test_walks_at_the_same_instant_each_count():
    at = NOW - timedelta(days=3)
    same = [walk(0, 100, now=at) for _ in range(3)]
    assert by_rule(baseline_walks(300) + same)["distance_decline"].data["recent_walks"] == 3


def test_time_zones_do_not_change_the_result():
    walks = baseline_walks(300) + recent(200, 190, 205)
    eastern = timezone(timedelta(hours=10))
    shifted = [w.model_copy(update={"walked_at": w.walked_at.astimezone(eastern)}) for w in walks]
    assert by_rule(walks) == by_rule(shifted, now=NOW.astimezone(eastern))


def test_walks_after_now_are_ignored():
    walks = baseline_walks(300) + recent(150, 150) + [walk(-0.5, 150)]
    assert "distance_decline" not in by_rule(walks)


def test_the_decline_threshold_is_configurable():
    walks = baseline_walks(300) + recent(240, 240, 240)
    assert "distance_decline" not in by_rule(walks)
    assert "distance_decline" in by_rule(walks, config=TrendConfig(decline_fraction=0.2))


def test_a_baseline_of_a_few_metres_gives_no_decline_finding():
    """Regression: with a pain-free baseline of ~1e-143 m, a walk at the baseline
    counted as 30% below it through the float tolerance (found by Hypothesis)."""
    from datetime import UTC, datetime, timedelta
    import uuid

    from diary.entries import Walk
    from diary.trend import assess

    now = datetime(2026, 11, 1, tzinfo=UTC)

    def w(days: float, distance: float, onset: float | None) -> Walk:
        return Walk(id=uuid.uuid4(), walked_at=now - timedelta(days=days), distance_m=distance, pain_onset_m=onset)

    entries = [w(0, 0, None), w(0, 0, None), w(0, 50, None), w(14, 0, None), w(14, 0, None), w(14, 50, None),
               w(14, 50, 1.56e-143), w(42, 0, None), w(0, 25, 7.8e-144)]
    assert "distance_decline" not in {f.rule for f in assess(entries, now)}
