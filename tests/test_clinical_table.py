"""docs/clinical-rules.md holds the table of danger signs (sign, grade, severity, rule,
words); the code follows it. This test reads the table and checks, row by row and
word for word, that diary.signs and diary.advice say the same."""

from __future__ import annotations

import re
from pathlib import Path

from diary.advice import WORDS
from diary.signs import SIGNS
from diary.trend import RULES

DOC = Path(__file__).resolve().parents[1] / "docs" / "clinical-rules.md"
HEADER = "| Sign | Code | Reported when | Advice | Flag | Rule | Words to the patient | Sources |"


def table_rows() -> list[list[str]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_table_and_the_code_list_the_same_signs_in_the_same_order():
    codes = [re.fullmatch(r"`(\w+)`", row[1]).group(1) for row in table_rows()]
    assert codes == [s.code for s in SIGNS]


def test_each_sign_has_the_grade_severity_rule_and_words_of_the_table():
    for row, sign in zip(table_rows(), SIGNS, strict=True):
        label, code, _when, grade, severity, rule, words, sources = row
        assert label == sign.label, code
        assert grade == sign.grade.value, code
        assert severity == sign.severity.value, code
        assert rule == f"`{sign.rule}`" and sign.rule in RULES, code
        assert words == " ".join(WORDS[sign.code]), code
        assert sources, f"{code} has no source"


def test_every_emergency_and_same_day_sign_names_the_emergency_number():
    # Each has a tap-to-call link: the {emergency} number in its words, and the call buttons.
    for sign in SIGNS:
        if sign.grade.value in ("emergency", "same_day"):
            assert any("{emergency}" in line for line in WORDS[sign.code]), sign.code


def test_no_words_say_today_for_an_emergency_or_contradict_themselves():
    for sign in SIGNS:
        text = " ".join(WORDS[sign.code])
        if sign.grade.value == "emergency":
            assert "today" not in text, sign.code
        if sign.code == "dark_toe":
            assert "turns black" not in text
