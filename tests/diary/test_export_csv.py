"""The CSV rows carry the danger signs: every new answer as given, and the signs each entry reports."""

from __future__ import annotations

import uuid
from datetime import timedelta

from diary.entries import CheckIn, Walk
from diary.exports import ENTRY_COLUMNS, SUMMARY_COLUMNS, entry_row, summary_row
from diary.models import Clinic
from diary.weekly import FlagLine, Week, summarise

WEEK = Week.parse("2026-W47", "Europe/London")


def test_the_csv_rows_carry_the_new_answers_the_signs_and_the_emergency_severity():
    at = WEEK.start + timedelta(days=2, hours=9)
    infected = CheckIn(id=uuid.UUID(int=1), recorded_at=at, wound=True, infection_signs=["pus"], heart_symptoms=[],
                       cauda_equina_signs=None, numb_foot=True)
    walk = Walk(id=uuid.UUID(int=2), walked_at=at + timedelta(hours=3), distance_m=200, heart_symptoms=["faint"])
    flags = [FlagLine("wound_infection", "emergency", "open", "Infected.", at, True),
             FlagLine("tissue_loss", "urgent", "open", "Wound.", at, True)]
    pw = summarise(patient_id=1, name="Di", clinic_number="A-1", week=WEEK, entries=[infected, walk], flags=flags,
                   notes=[], diabetes=True)
    row = entry_row(pw, infected)
    assert set(row) <= set(ENTRY_COLUMNS) | {"time"}
    assert (row["infection_signs"], row["heart_symptoms"], row["cauda_equina_signs"]) == ("pus", "none", None)
    assert row["numb_foot"] is True and row["danger_signs"] == "infected_wound_diabetes;wound"
    assert row["received_at"] is None  # made here, not received by a server
    assert entry_row(pw, walk)["danger_signs"] == "faint"
    summary = summary_row(Clinic(name="C", timezone="Europe/London"), pw)
    assert set(summary) == set(SUMMARY_COLUMNS)
    assert summary["worst_open_flag"] == "emergency"
    assert summary["danger_signs"] == "infected_wound_diabetes 1; faint 1; wound 1"
    assert summary["flags_raised_this_week"] == "emergency wound_infection; urgent tissue_loss"
