from trend_builders import baseline_walks, by_rule, ids, walk

from diary.trend import TrendConfig


def recent(*distances: float):
    return [walk(13 - 3 * i, d) for i, d in enumerate(distances)]


def test_falling_from_above_200_m_to_under_it_asks_for_review():
    walks = recent(185, 190, 180)
    finding = by_rule(baseline_walks(260) + walks)["fontaine_iib"]
    assert finding.severity == "review"
    assert finding.entries == ids(walks)
    assert "185 m (3 walks), under 200 m" in finding.message
    assert "baseline was 260 m" in finding.message
    assert "estimate" in finding.message and "IIb" in finding.message


def test_it_can_flag_a_fall_too_small_for_distance_decline():
    # 260 m to 185 m is 29%: under the decline threshold, over the 25% the
    # crossing needs.
    found = by_rule(baseline_walks(260) + recent(185, 190, 180))
    assert "fontaine_iib" in found and "distance_decline" not in found


def test_a_crossing_by_a_fall_under_25_percent_does_not_flag():
    assert "fontaine_iib" not in by_rule(baseline_walks(240) + recent(185, 190, 180))


def test_a_large_fall_across_200_m_raises_both_rules():
    found = by_rule(baseline_walks(300) + recent(150, 160, 140))
    assert {"fontaine_iib", "distance_decline"} <= set(found)


def test_hovering_around_200_m_does_not_flag():
    # 210 m to 190 m is under 10%: day-to-day noise for most patients.
    assert "fontaine_iib" not in by_rule(baseline_walks(210) + recent(190, 190, 190))


def test_the_baseline_must_be_above_the_threshold():
    assert "fontaine_iib" not in by_rule(baseline_walks(200) + recent(100, 100, 100))


def test_the_recent_median_must_be_under_the_threshold():
    assert "fontaine_iib" not in by_rule(baseline_walks(300) + recent(200, 200, 200))


def test_two_recent_walks_are_not_enough():
    assert "fontaine_iib" not in by_rule(baseline_walks(300) + recent(150, 150))
    assert "fontaine_iib" in by_rule(baseline_walks(300) + recent(150, 150, 150))


def test_the_threshold_is_configurable():
    walks = baseline_walks(190) + recent(140, 140, 140)
    assert "fontaine_iib" not in by_rule(walks)
    finding = by_rule(walks, config=TrendConfig(fontaine_threshold_m=150))["fontaine_iib"]
    assert "under 150 m" in finding.message
