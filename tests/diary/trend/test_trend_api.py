"""The public surface other modules depend on."""

from dataclasses import FrozenInstanceError

import pytest
from trend_builders import NOW, baseline_walks, checkin, walk

from diary.trend import RULES, Finding, TrendConfig, assess, recent_medians


def test_rules_lists_every_rule_with_a_description():
    assert set(RULES) >= {"rest_pain", "tissue_loss", "distance_decline", "fontaine_iib", "neurogenic_pattern",
                          "logging_gap", "acute_limb"}
    assert all(isinstance(text, str) and text for text in RULES.values())


def test_findings_are_sorted_emergency_urgent_review_info_then_by_rule():
    entries = baseline_walks(300) + [walk(d, 150) for d in (9, 6, 3)]
    entries += [checkin(1, wound=True), checkin(1.5, sudden_onset=True)]
    found = [(f.severity, f.rule) for f in assess(entries, NOW)]
    assert found == [("emergency", "acute_limb"), ("urgent", "tissue_loss"), ("review", "distance_decline"),
                     ("review", "fontaine_iib")]


def test_a_finding_is_frozen_and_its_json_leaves_out_the_data():
    f = Finding("rest_pain", "review", ("a",), "seen", "1", {"n": 1})
    with pytest.raises(FrozenInstanceError):
        f.severity = "urgent"
    assert f.to_json() == {"rule": "rest_pain", "severity": "review", "entries": ["a"], "message": "seen",
                           "rule_version": "1"}


def test_a_finding_refuses_an_unknown_severity():
    with pytest.raises(ValueError):
        Finding("rest_pain", "critical", (), "", "1")


def test_recent_medians_summarises_the_last_14_days():
    walks = baseline_walks(300) + [walk(9, 200), walk(6, 180, distance_estimated=True), walk(3, 220, onset=None)]
    summary = recent_medians(walks + [checkin(1)], NOW, TrendConfig())
    assert summary["count"] == 3
    assert summary["estimated_count"] == 1
    assert summary["max_distance_median_m"] == 200
    assert summary["pain_free_median_m"] == 140  # 140, 126 and 220 (no pain)


def test_recent_medians_is_none_under_the_minimum_walks():
    summary = recent_medians([walk(9, 200), walk(6, 180)], NOW)
    assert summary["count"] == 2
    assert summary["max_distance_median_m"] is None and summary["pain_free_median_m"] is None


def test_a_naive_now_is_taken_as_utc():
    entries = [checkin(1, sudden_onset=True)]
    assert assess(entries, NOW.replace(tzinfo=None)) == assess(entries, NOW)


def test_the_same_id_twice_keeps_one_copy_whatever_the_order():
    first = checkin(1, rest_pain=True)
    second = first.model_copy(update={"rest_pain": False})
    assert assess([first, second], NOW) == assess([second, first], NOW)
