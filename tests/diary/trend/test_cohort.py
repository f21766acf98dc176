"""The rules against a labelled synthetic cohort: sensitivity and false flags.

Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from diary.cohort import KINDS, generate_cohort, generate_patient
from diary.entries import Walk
from diary.trend import assess

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
NOT_PROGRESSING = ("stable", "improving")


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(60, seed=20250601, now=NOW)


@pytest.fixture(scope="module")
def results(cohort):
    return [(patient, assess(patient.entries, NOW)) for patient in cohort]


def test_sensitivity_per_label_and_false_flag_rate(results):
    expected, caught = Counter(), Counter()
    quiet, false_flags = 0, 0
    for patient, findings in results:
        raised = {f.rule for f in findings}
        for rule in patient.expected_rules:
            expected[rule] += 1
            caught[rule] += rule in raised
        if patient.kind in NOT_PROGRESSING:
            quiet += 1
            false_flags += any(f.severity in ("review", "urgent") for f in findings)
    sensitivity = {rule: caught[rule] / expected[rule] for rule in sorted(expected)}
    false_flag_rate = false_flags / quiet
    print(f"\ncohort of {len(results)} patients")
    for rule, value in sensitivity.items():
        print(f"  sensitivity {rule:20s} {caught[rule]:4d}/{expected[rule]:<4d} = {value:.3f}")
    print(f"  false-flag rate (review/urgent on stable or improving) {false_flags}/{quiet} = {false_flag_rate:.3f}")
    assert set(sensitivity) >= {"distance_decline", "rest_pain", "tissue_loss", "neurogenic_pattern"}
    assert all(value >= 0.9 for value in sensitivity.values()), sensitivity
    assert false_flag_rate <= 0.05


def test_finding_data_is_json_serialisable(results):
    import json

    for _, findings in results:
        for f in findings:
            json.dumps(f.data)
            json.dumps(f.to_json())


def test_the_cohort_is_deterministic_per_seed():
    first = generate_cohort(2, seed=3, now=NOW)
    again = generate_cohort(2, seed=3, now=NOW)
    assert [p.entries for p in first] == [p.entries for p in again]
    assert [p.entries for p in generate_cohort(2, seed=4, now=NOW)] != [p.entries for p in first]


def test_a_patient_does_not_depend_on_the_cohort_size():
    small = {(p.kind, i % 2): p.entries for i, p in enumerate(generate_cohort(2, seed=9, now=NOW))}
    large = {(p.kind, i % 5): p.entries for i, p in enumerate(generate_cohort(5, seed=9, now=NOW))}
    assert small[("wound", 1)] == large[("wound", 1)]


def test_every_kind_is_generated_with_its_labels(cohort):
    assert Counter(p.kind for p in cohort) == {kind: 60 for kind in KINDS}
    labels = {p.kind: p.expected_rules for p in cohort if p.kind in NOT_PROGRESSING}
    assert labels == {"stable": set(), "improving": set()}


def test_histories_look_like_the_brief(cohort):
    for patient in cohort[::7]:
        walks = [e for e in patient.entries if isinstance(e, Walk)]
        times = sorted(w.walked_at for w in walks)
        days = (times[-1] - times[0]).days
        assert 175 <= days <= 245
        assert 2.5 <= len(walks) / (days / 7) <= 6.5
        assert all(w.walked_at <= NOW for w in walks)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        generate_patient("miraculous", random.Random(1), NOW)


def test_ten_thousand_patients_are_feasible():
    # A sample of 70 patients timed, as a guard against an accidental
    # slowdown; 10,000 patients then take well under a minute.
    started = datetime.now(UTC)
    generate_cohort(10, seed=1, now=NOW)
    assert datetime.now(UTC) - started < timedelta(seconds=10)
