"""The weekly summary as PDF: text extracted with pypdf and checked, page counts, cover order."""

from __future__ import annotations

import io
import logging
import re
import uuid
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from diary.chart import distance_chart
from diary.entries import CheckIn, Relief, Walk
from diary.export_pdf import (
    EMPTY_WEEK,
    clinic_pdf,
    cover_order,
    patient_pdf,
    safe_text,
    svg_for_fpdf,
    write_clinic_pdf,
)
from diary.weekly import FlagLine, Note, PatientWeek, Week, summarise

TZ = "Europe/London"
WEEK = Week.parse("2026-W47", TZ)  # Monday 16 Nov to Sunday 22 Nov 2026
PRODUCED = datetime.fromisoformat("2026-11-23T06:00:00+00:00")
CLINIC = "Vascular Clinic A"
_ids = iter(range(1, 10**9))


def at(day: float, hour: int = 10) -> datetime:
    return WEEK.start + timedelta(days=day, hours=hour)


def walk(when: datetime, distance: float, onset: float | None, **fields) -> Walk:
    painful = onset is not None
    return Walk(**{"id": uuid.UUID(int=next(_ids)), "walked_at": when, "distance_m": distance,
                   "pain_onset_m": onset, "stopped_by_pain": painful,
                   "relief": Relief.stood_still if painful else None, **fields})


def flag(rule: str, severity: str, status: str = "open", raised: datetime | None = None, this_week: bool = True,
         message: str | None = None) -> FlagLine:
    return FlagLine(rule=rule, severity=severity, status=status, message=message or f"Message for {rule}.",
                    raised_at=raised or at(2, 7), raised_this_week=this_week)


def patient(name: str, entries=(), flags=(), notes=(), patient_id: int | None = None, number: str | None = None
            ) -> PatientWeek:
    pid = patient_id or next(_ids)
    return summarise(patient_id=pid, name=name, clinic_number=number or f"WD-{pid:04d}", week=WEEK,
                     entries=list(entries), flags=list(flags), notes=list(notes))


def baseline(start_weeks_ago: int = 10, distance: float = 400) -> list[Walk]:
    """Walks every 2 days in the weeks before this one: gives a baseline and a previous week."""
    out, day = [], -7 * start_weeks_ago
    while day < 0:
        out.append(walk(at(day, 9), distance, distance * 0.6))
        day += 2
    return out


@pytest.fixture()
def full_week() -> PatientWeek:
    entries = [
        *baseline(),
        walk(at(0), 300, 180, pain_score=6),
        walk(at(0, 17), 250, None),
        walk(at(2), 320, 200, relief=Relief.sat_down),
        walk(at(4), 280, 150),
        CheckIn(id=uuid.UUID(int=next(_ids)), recorded_at=at(3, 21), rest_pain=True, rest_pain_at_night=True),
    ]
    flags = [
        flag("rest_pain", "urgent", message="Rest pain reported at night, eased with the leg hanging down."),
        flag("distance_decline", "review", "acknowledged", raised=at(-10), this_week=False),
        flag("logging_gap", "info", "resolved", raised=at(1), message="Logging resumed."),
    ]
    notes = [Note(at=at(4, 14), author="Dr A. Nurse", text="Phoned the patient; review booked for Tuesday.")]
    return patient("Ada Lovelace", entries, flags, notes, patient_id=42, number="WD-0042")


def pages_text(data: bytes) -> list[str]:
    return [re.sub(r"[ \t]+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_header_names_patient_clinic_number_week_and_when_produced(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    assert "Ada Lovelace" in text
    assert "Clinic number: WD-0042" in text
    assert "2026-W47 (16 Nov to 22 Nov 2026)" in text
    assert "Produced 23 Nov 2026 06:00 (clinic time zone" in text
    assert CLINIC in text


def test_the_figures_of_the_week(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    assert "Walks: 4" in text
    assert "Days walked: 3" in text
    assert "Total distance: 1.15 km" in text
    assert "at least 3 sessions a week: MET" in text
    # Maximum: 300, 250, 320, 280 -> median 290, best 320; baseline and previous week 400.
    assert re.search(r"Maximum walking distance 290 m 320 m -28% \(from 400 m\) -28% \(baseline 400 m\)", text)
    # Pain-free: 180, 250 (no pain), 200, 150 -> median 190, best 250; before: 240.
    assert re.search(r"Pain-free walking distance 190 m 250 m -21% \(from 240 m\) -21% \(baseline 240 m\)", text)
    assert "Rest-pain days: 1" in text
    assert "Wounds reported: 0" in text
    assert "Relief postures seen: stood still 2, sat down 1" in text


def test_terms_are_defined_on_the_page(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    flat = " ".join(text.split())
    assert "Pain-free walking distance = distance at which pain began" in flat
    assert "Maximum walking distance = distance walked when stopped" in flat


def test_the_fontaine_estimate_is_labelled_as_diary_based(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    assert ("Estimated Fontaine stage: III (diary-based estimate from patient reports, not a clinical staging)"
            in text)
    assert "Basis: rest pain was reported on 1 day(s)." in text


def test_flags_in_words_with_status_and_this_weeks_marked(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    assert re.search(r"URGENT OPEN rest_pain 18 Nov 2026 NEW Rest pain reported at night", text)
    assert re.search(r"REVIEW Acknowledged distance_decline 06 Nov 2026 Message for distance_decline", text)
    assert re.search(r"INFO Resolved logging_gap 17 Nov 2026 NEW Logging resumed", text)
    assert text.index("URGENT") < text.index("REVIEW") < text.index("INFO Resolved")


def test_the_clinician_notes_of_the_week(full_week):
    [text] = pages_text(patient_pdf(CLINIC, full_week, PRODUCED))
    assert "20 Nov 2026 14:00, Dr A. Nurse:" in text
    assert "Phoned the patient; review booked for Tuesday." in text


def test_an_empty_week_says_so_and_still_lists_open_flags():
    pw = patient("Bob Empty", baseline(), flags=[flag("logging_gap", "info", raised=at(-1), this_week=False)])
    assert pw.empty
    [text] = pages_text(patient_pdf(CLINIC, pw, PRODUCED))
    assert EMPTY_WEEK == "No walks or check-ins were logged this week."
    assert EMPTY_WEEK in text
    assert "INFO OPEN logging_gap" in text
    assert "Walks: 0" in text and "no data" in text
    assert "Estimated Fontaine stage: unknown" in text


def test_a_week_without_flags_or_notes_says_so():
    [text] = pages_text(patient_pdf(CLINIC, patient("Cy Calm", [walk(at(1), 500, None)]), PRODUCED))
    assert "No flags raised or open this week." in text
    assert "No clinician notes this week." in text


def test_a_crowded_week_still_fits_one_page(full_week):
    flags = [flag(f"rule_{i}", "review", message="A long message about what was seen and why. " * 6)
             for i in range(8)]
    notes = [Note(at=at(5, 9), author=f"Dr {i}", text="A long note about the plan. " * 40) for i in range(6)]
    notes.insert(0, Note(at=at(5, 8), author="", text="See https://example.org/" + "x" * 400))
    pw = patient("Dee Busy", full_week.walks + full_week.check_ins, flags, notes)
    data = patient_pdf(CLINIC, pw, PRODUCED)
    [text] = pages_text(data)
    assert "not shown on this page; see the dashboard." in text
    assert "rule_0" in text


def test_non_latin1_text_does_not_crash_and_reads_sensibly(full_week):
    pw = patient("Zoë Dvořák 李", full_week.walks + full_week.check_ins,
                 flags=[flag("rest_pain", "urgent", message="Pain ≥ 3 nights – see → now 🚑")],
                 notes=[Note(at=at(4, 14), author="Dr Ł. Nurse", text="Plan → walk “daily”…")])
    cover, page = pages_text(clinic_pdf("Clinic – North", WEEK, [pw], PRODUCED))
    assert "Clinic - North" in cover and "Zoë Dvorák ?" in cover
    [text] = pages_text(patient_pdf("Clinic – North", pw, PRODUCED))
    assert text == page.replace("Page 2 of 2", "Page 1 of 1")
    assert "Zoë Dvorák ?" in text
    assert "Pain >= 3 nights - see -> now ?" in text
    assert "Plan -> walk \"daily\"..." in text
    assert "Dr L. Nurse" in text


def test_safe_text():
    assert safe_text("Zoë Brontë, Núñez") == "Zoë Brontë, Núñez"
    assert safe_text("a – b → c ≥ d ≤ e … ‘q’ “qq”") == "a - b -> c >= d <= e ... 'q' \"qq\""
    assert safe_text("x² µ 5°") == "x² µ 5°"  # latin-1 already
    assert safe_text("Dvořák Łódź") == "Dvorák Lódz"  # ó is latin-1; ř, Ł and ź are not
    assert safe_text("🚶 李 €") == "? ? EUR"
    assert safe_text("tab\there\x00\x85") == "tab here"
    assert safe_text("ﬁne") == "fine"
    safe_text("".join(chr(c) for c in range(0x20, 0x3000))).encode("latin-1")


def test_clinic_pdf_is_a_cover_then_one_page_per_patient_by_severity():
    none = patient("Aaron None", [walk(at(1), 400, None)])
    info = patient("Zed Info", [walk(at(1), 400, None)], [flag("logging_gap", "info")])
    urgent_b = patient("Bea Urgent", [], [flag("rest_pain", "urgent"), flag("logging_gap", "info")])
    urgent_a = patient("amy urgent", [walk(at(2), 150, 90)], [flag("tissue_loss", "urgent", "acknowledged")])
    review = patient("Carl Review", [walk(at(2), 150, 90)], [flag("distance_decline", "review"),
                                                              flag("rest_pain", "urgent", "resolved")])
    calls: list[int] = []
    data = clinic_pdf(CLINIC, WEEK, [none, info, urgent_b, urgent_a, review], PRODUCED, progress=calls.append)
    pages = pages_text(data)
    assert len(pages) == 1 + 5
    assert calls == [1, 2, 3, 4, 5]
    cover = pages[0]
    assert CLINIC in cover and "2026-W47 (16 Nov to 22 Nov 2026)" in cover and "Produced 23 Nov 2026 06:00" in cover
    assert "5 patients: 0 EMERGENCY, 2 URGENT, 1 REVIEW, 1 INFO, 1 without a live flag." in cover
    order = ["amy urgent", "Bea Urgent", "Carl Review", "Zed Info", "Aaron None"]
    positions = [cover.index(name) for name in order]
    assert positions == sorted(positions)
    assert re.search(r"1 amy urgent WD-\d+ URGENT 1 150 m 1 2", cover)
    assert re.search(r"5 Aaron None WD-\d+ none 1 400 m 1 6", cover)
    # The patient pages follow the cover's order.
    for page, name in zip(pages[1:], order):
        assert name in page
    assert [p.name for p in cover_order([none, info, urgent_b, urgent_a, review])] == order


def test_a_large_clinic_has_a_cover_of_several_pages_with_the_right_page_numbers():
    weeks = [patient(f"Patient {i:03d}", [walk(at(1), 300 + i, None)]) for i in range(60)]
    pages = pages_text(clinic_pdf(CLINIC, WEEK, weeks, PRODUCED))
    assert len(pages) == 2 + 60
    assert "Page 1 of 62" in pages[0] and "Page 2 of 62" in pages[1]
    for i in (0, 41, 42, 59):  # the last row of the first cover page and the first of the second
        name = f"Patient {i:03d}"
        row = re.search(rf"{i + 1} {name} WD-\d+ none 1 \S+ m 1 (\d+)", pages[0] + pages[1])
        assert row, name
        assert name in pages[int(row.group(1)) - 1]


def test_write_clinic_pdf_writes_the_same_document(tmp_path, full_week):
    weeks = [full_week, patient("Bob", [walk(at(1), 400, None)])]
    path = tmp_path / "week.pdf"
    write_clinic_pdf(path, CLINIC, WEEK, weeks, PRODUCED)
    assert path.read_bytes() == clinic_pdf(CLINIC, WEEK, weeks, PRODUCED)
    assert [p.name for p in tmp_path.iterdir()] == ["week.pdf"]


def test_write_clinic_pdf_streams_a_generator_with_a_count(tmp_path, full_week):
    calls: list[int] = []

    def weeks():
        for i in range(3):
            yield patient(f"Streamed {i}", [walk(at(1), 400, None)], [flag("logging_gap", "info")] if i == 2 else [])

    path = tmp_path / "stream.pdf"
    write_clinic_pdf(path, CLINIC, WEEK, weeks(), PRODUCED, progress=calls.append, count=3)
    pages = pages_text(path.read_bytes())
    assert len(pages) == 4 and calls == [1, 2, 3]
    assert pages[0].index("Streamed 2") < pages[0].index("Streamed 0")  # INFO before none on the cover
    assert "Streamed 0" in pages[1]  # pages in the order given
    with pytest.raises(ValueError):
        write_clinic_pdf(tmp_path / "short.pdf", CLINIC, WEEK, weeks(), PRODUCED, count=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stream.pdf"]


def test_an_empty_clinic_has_a_cover_only():
    pages = pages_text(clinic_pdf(CLINIC, WEEK, [], PRODUCED))
    assert len(pages) == 1 and "No patients in this export." in pages[0]


def test_the_same_input_gives_the_same_bytes(full_week):
    assert patient_pdf(CLINIC, full_week, PRODUCED) == patient_pdf(CLINIC, full_week, PRODUCED)


def test_the_chart_svg_is_simplified_for_fpdf2(full_week, caplog):
    svg = distance_chart(full_week.walks, full_week.check_ins, start=WEEK.end - timedelta(weeks=12),
                         end=WEEK.end, timezone=TZ).svg
    simple = svg_for_fpdf(svg).decode("latin-1")
    for tag in ("<title", "<desc", "<circle", "<g", "<rect", "<line", "<polygon"):
        assert tag not in simple
    assert simple.count("<text") == svg.count("<text")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        patient_pdf(CLINIC, full_week, PRODUCED)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("fpdf")] == []


def test_an_emergency_comes_first_and_the_danger_signs_and_clinic_phone_are_shown():
    signs = [CheckIn(id=uuid.UUID(int=next(_ids)), recorded_at=at(2, 8), sudden_onset=True, cold_foot=True),
             CheckIn(id=uuid.UUID(int=next(_ids)), recorded_at=at(3, 8), wound=True, heart_symptoms=["chest_pain"])]
    emergency = patient("Zoe Emergency", signs, [flag("acute_limb", "emergency"), flag("tissue_loss", "urgent")])
    urgent = patient("Abe Urgent", [], [flag("rest_pain", "urgent", raised=at(-20), this_week=False)])
    pages = pages_text(clinic_pdf(CLINIC, WEEK, [urgent, emergency], PRODUCED, clinic_phone="020 7946 0000"))
    cover = pages[0]
    assert "2 patients: 1 EMERGENCY, 1 URGENT, 0 REVIEW, 0 INFO, 0 without a live flag." in cover
    assert cover.index("Zoe Emergency") < cover.index("Abe Urgent")
    assert re.search(r"1 Zoe Emergency WD-\d+ EMERGENCY", cover)
    assert "Clinic phone 020 7946 0000." in cover
    page = pages[1]
    assert "Danger signs reported: sudden change in the leg, under 2 weeks 1; chest pain or tightness on walking 1;" \
        in " ".join(page.split())
    assert "EMERGENCY" in page and "Clinic phone 020 7946 0000." in page
