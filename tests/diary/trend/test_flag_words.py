"""One-line flag headlines built from each rule's data when shown (diary/flag_words.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from trend_builders import NOW, baseline_walks, by_rule, checkin, walk, walks_between

from diary import cohort
from diary.flag_words import HEADLINE_CHARS, REGISTRY, describe, first_sentence, flag_text
from diary.labels import WORDS
from diary.trend import RULE_VERSIONS, RULES, assess


def shown(finding, zone: str = "Europe/London"):  # type: ignore[no-untyped-def]
    return flag_text(finding.rule, finding.rule_version, finding.data, finding.message, zone)


def test_rest_pain_over_16_days_reads_as_such():
    reports = [checkin(d, rest_pain=True) for d in (17, 9, 1)]
    assert shown(by_rule(reports)["rest_pain"]).headline == "Rest pain for 16 days"


def test_night_rest_pain_eased_by_hanging_the_leg_says_so():
    finding = by_rule([checkin(1, rest_pain=True, rest_pain_at_night=True, eased_by_hanging_leg=True)])["rest_pain"]
    assert shown(finding).headline == "Rest pain reported 31 May, at night, eased by hanging the leg down"


def test_a_fall_in_distance_quotes_the_percentage_the_message_quotes():
    finding = by_rule(baseline_walks(500) + walks_between(12, 1, 2, 205))["distance_decline"]
    pct = finding.data["maximum"]["decline_pct"]
    assert pct == 59 and f"{pct}% below the baseline" in finding.message
    assert shown(finding).headline == "Maximum distance 59% and pain-free 59% below usual"


def test_a_fall_in_pain_free_distance_alone_names_that_distance():
    recent = [walk(d, 500, onset=150) for d in range(12, 0, -2)]
    finding = by_rule(baseline_walks(500, onset=350) + recent)["distance_decline"]
    assert shown(finding).headline == "Pain-free distance 57% below usual"


def test_the_sudden_leg_is_shown_at_the_readers_time_not_utc():
    finding = by_rule([checkin(1, sudden_onset=True)])["acute_limb"]
    assert "UTC" in finding.message  # version 1 wrote its time in UTC into the stored message
    text = shown(finding, "America/New_York")
    assert "UTC" not in text.message and "Sat 31 May 2025, 08:00" in text.message  # 12:00 UTC is 08:00 EDT
    assert text.headline.endswith("Sat 31 May 2025, 08:00")


def test_a_flag_of_an_unknown_rule_or_version_falls_back_to_its_stored_first_sentence():
    message = "A new kind of finding was seen on 3 check-ins. It needs review within a week."
    assert flag_text("some_new_rule", "1", {"x": 1}, message, "UTC").headline == "A new kind of finding was seen on 3 check-ins"
    assert flag_text("rest_pain", "9", {"span_days": 3}, message, "UTC").headline.startswith("A new kind")
    # An old flag's data without the keys a headline reads: the stored text, never an error.
    assert flag_text("rest_pain", "1", {"reports": 2}, message, "UTC") == (
        flag_text("unknown", "1", {}, message, "UTC"))


def test_a_long_first_sentence_is_cut_at_a_word():
    text = first_sentence("word " * 60 + ". Then more.")
    assert len(text) <= HEADLINE_CHARS + 1 and text.endswith("…") and "word…" in text


def test_a_flag_no_longer_seen_says_so_in_its_headline():
    flag = SimpleNamespace(rule="logging_gap", rule_version="1", data={"days_without_entries": 18},
                           message="No entries for 18 days.", cleared_at=NOW)
    assert describe(flag, "UTC").headline == "No longer seen: No entries for 18 days"


def test_every_rule_has_a_headline_and_plain_words():
    assert set(RULES) <= set(REGISTRY)
    assert all(RULE_VERSIONS[rule] in REGISTRY[rule].versions for rule in RULES)
    assert set(RULES) <= set(WORDS["rule"])


@pytest.mark.parametrize("kind", cohort.KINDS)
def test_the_headline_of_every_finding_in_the_cohort_is_one_line_of_plain_words(kind):  # type: ignore[no-untyped-def]
    now = datetime(2026, 11, 30, 10, 0).astimezone()
    for seed in range(4):
        history = cohort.generate_patient(kind, random.Random(f"{kind}:{seed}"), now)
        for day in (0, 20, 45):
            at = now - timedelta(days=day)
            for finding in assess([e for e in history.entries if e.occurred_at <= at], at):
                headline = shown(finding).headline
                assert 0 < len(headline) <= HEADLINE_CHARS, headline
                assert "_" not in headline and "\n" not in headline, headline
                assert headline != first_sentence(finding.message), f"{finding.rule} fell back to the stored text"
