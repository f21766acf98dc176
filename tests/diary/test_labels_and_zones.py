"""Plain words for codes (diary/labels.py), time zones (diary/zones.py), week dates, believable demo times."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from diary import audit, demo
from diary.entries import CheckIn, Relief, Walk
from diary.labels import WORDS, label, labels
from diary.models import Clinic, Role, User
from diary.weekly import Week
from diary.zones import is_zone, local_time, zone_choices, zone_name, zone_of

ROOT = Path(__file__).resolve().parents[2]


def written_actions() -> set[str]:
    """Every audit action the code writes as a literal: in record(..., action="x.y"), in a ternary, or to _audit."""
    found: set[str] = set()
    for path in [*(ROOT / "diary").rglob("*.py"), *(ROOT / "server").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'record\([^)]*?action="([a-z_.]+)"', text, re.S))
        found |= set(re.findall(r'_audit\(sessions, "([a-z_.]+)"', text))
        for pair in re.findall(r'action="([a-z_.]+)" if \w+ else "([a-z_.]+)"', text):
            found |= set(pair)
    return found


def test_every_action_the_code_writes_is_in_the_admins_list_with_plain_words():
    written = written_actions()
    assert {"patient.viewed", "signin.succeeded", "signout", "staff.deactivated", "export.generated",
            "measurement.added"} <= written
    assert written <= set(audit.ACTIONS), written - set(audit.ACTIONS)
    # The families written with f-strings: flag.<action> (diary/review.py), entry.<edited|deleted> (diary/journal.py).
    assert {"flag.acknowledge", "flag.resolve", "flag.note", "flag.snooze", "entry.edited", "entry.deleted"} <= set(audit.ACTIONS)
    assert set(audit.ACTIONS) <= set(WORDS["audit_action"])
    assert {area for area, _ in audit.action_groups()} <= set(WORDS["audit_area"])


def test_codes_read_as_words_and_unknown_codes_never_break_a_page():
    assert label("fontaine_iib", "rule") == "Walking distance under 200 m"
    assert label(Relief.sat_down, "relief") == "Sat down"
    assert label("patient.viewed", "audit_action") == "Viewed the record"
    assert label("brand_new.thing", "audit_action") == "Brand new: thing"
    assert label(None, "relief") == ""
    assert labels(["calf", "thigh"], "pain_site") == "Calf, Thigh"


def test_time_zones_by_name_and_whose():
    assert zone_name("Europe/London") == "London time" and zone_name("America/New_York") == "New York time"
    assert zone_name("UTC") == "UTC"
    at = datetime(2026, 11, 23, 3, 46, tzinfo=UTC)
    assert local_time(at, "Europe/Berlin") == "Mon 23 Nov 2026, 04:46"
    clinic = Clinic(name="C", timezone="Europe/London")
    patient = User(clinic_id=1, role=Role.patient, email="p@x", password_hash="!", created_at=at,
                   timezone="Australia/Perth")
    nurse = User(clinic_id=1, role=Role.clinician, email="n@x", password_hash="!", created_at=at,
                 timezone="Australia/Perth")
    assert zone_of(patient, clinic) == "Australia/Perth"
    assert zone_of(nurse, clinic) == "Europe/London"  # staff pages are in the clinic's zone
    patient.timezone = None
    assert zone_of(patient, clinic) == "Europe/London"
    assert is_zone("Europe/London") and not is_zone("US/Eastern") and not is_zone("Mars/Olympus")
    places = dict(zone_choices())
    assert ("Europe/London", "London") in places["Europe"]
    assert ("America/Argentina/Salta", "Argentina: Salta") in places["America"]


@pytest.mark.parametrize("week, dates", [
    ("2026-W48", "23–29 Nov 2026"), ("2026-W49", "30 Nov – 6 Dec 2026"), ("2026-W53", "28 Dec 2026 – 3 Jan 2027"),
])
def test_weeks_are_listed_by_their_dates(week, dates):  # type: ignore[no-untyped-def]
    assert Week.parse(week, "Europe/London").dates == dates


def test_demo_entries_are_logged_at_the_times_of_day_people_log():
    zone, rng = ZoneInfo("Europe/London"), random.Random(7)
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    for hours in range(0, 24 * 40, 5):
        at = now - timedelta(hours=hours)
        walk = Walk(id=f"00000000-0000-4000-8000-{hours:012d}", walked_at=at, distance_m=300, relief="no_pain")
        check = CheckIn(id=f"00000000-0000-4000-9000-{hours:012d}", recorded_at=at)
        for entry, (low, high) in ((walk, (9, 19.5)), (check, (7.5, 21.5))):
            moved = demo.at_a_believable_time(entry, rng, zone, now)
            local = moved.occurred_at.astimezone(zone)
            assert low <= local.hour + local.minute / 60 <= high, local
            assert moved.occurred_at <= now
            day_before = (entry.occurred_at.astimezone(zone) - timedelta(days=1)).date()
            assert local.date() in (entry.occurred_at.astimezone(zone).date(), day_before)
            assert moved.id == entry.id
