"""The clinic cover: patients by their worst live flag, then name, with their page numbers.

The cover runs onto more pages for a large clinic; its length is known from the
number of patients alone (:func:`cover_pages`), so its pages can be reserved
before the patient pages are drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from fpdf.enums import XPos, YPos

from diary._svg import fmt_m
from diary.weekly import SESSION_TARGET, PatientWeek, Week

from .doc import CONTENT_W, FONT, MARGIN, PAGE_H, Doc
from diary.severity import NONE, ORDER, sort_key

from .text import fmt_stamp

__all__ = ["Row", "cover_order", "cover_pages", "cover_row", "draw_cover", "row_key"]


class Row(NamedTuple):
    """What the cover lists for one patient: kept instead of the whole PatientWeek."""

    severity: str
    name: str
    clinic_number: str
    patient_id: int
    walks: int
    max_median_m: float | None
    days_walked: int
    page: int


def cover_row(pw: PatientWeek, page: int) -> Row:
    severity = pw.worst_severity
    return Row(severity, pw.name, pw.clinic_number, pw.patient_id, pw.walk_count, pw.max_median_m,
               pw.days_walked, page)


def row_key(r: Row) -> tuple[int, str, str, int]:
    return (sort_key(r.severity), r.name.casefold(), r.clinic_number, r.patient_id)


def cover_order(weeks: Iterable[PatientWeek]) -> list[PatientWeek]:
    """Worst live flag first (emergency, urgent, review, info, none), then name, clinic number: the cover's order."""
    return sorted(weeks, key=lambda p: row_key(cover_row(p, 0)))


COVER_TABLE_TOP = 56.0  # the table starts here on the first cover page, whatever the heading holds
COVER_ROW_H = 5.2
COVER_BOTTOM = PAGE_H - 14.0
COVER_COLS = (("#", 10.0, "C"), ("Patient", 58.0, "L"), ("Clinic number", 28.0, "L"), ("Worst flag", 22.0, "C"),
              ("Walks", 13.0, "C"), ("Median max.", 22.0, "C"), ("Days walked", 21.0, "C"), ("Page", 12.0, "C"))


def _cover_capacity() -> tuple[int, int]:
    """Rows on the first cover page and on each further one (a header row on each)."""
    first = int((COVER_BOTTOM - COVER_TABLE_TOP) // COVER_ROW_H) - 1
    other = int((COVER_BOTTOM - MARGIN) // COVER_ROW_H) - 1
    return first, other


def cover_pages(n: int) -> int:
    first, other = _cover_capacity()
    return 1 if n <= first else 1 + -(-(n - first) // other)


def draw_cover(pdf: Doc, clinic_name: str, week: Week, rows: Sequence[Row], produced_at: datetime) -> None:
    """The cover, from the top of its first page; breaks pages by row count, so its length is
    ``cover_pages(len(rows))`` exactly."""
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(CONTENT_W, 9, pdf.fit(clinic_name, CONTENT_W), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 12)
    pdf.cell(CONTENT_W, 6.5, f"Weekly walking diary summary, week {week.describe()}", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    phone = f" Clinic phone {pdf.clinic_phone}." if pdf.clinic_phone else ""
    pdf.cell(CONTENT_W, 5, pdf.fit(f"Produced {fmt_stamp(produced_at, week.timezone)} (clinic time zone, "
                                   f"{week.timezone}).{phone}", CONTENT_W),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    counts = dict.fromkeys([*ORDER, NONE], 0)
    for r in rows:
        counts[r.severity] = counts.get(r.severity, 0) + 1
    pdf.set_font(FONT, "B", 9)
    levels = ", ".join(f"{counts[s]} {s.upper()}" for s in ORDER)
    pdf.cell(CONTENT_W, 5, f"{len(rows)} patient{'s' if len(rows) != 1 else ''}: {levels}, "
             f"{counts[NONE]} without a live flag.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.lines(pdf.wrap(
        "Patients are listed by their worst live (open or acknowledged) flag - EMERGENCY, then URGENT, then "
        "REVIEW, then INFO, "
        "then none - and then by name. Page is the patient's page in this document. Median max. is the median "
        "maximum walking distance (distance walked when stopped) of the week's walks; days walked count against "
        f"the target of at least {SESSION_TARGET} sessions a week.", CONTENT_W), 3.8)
    if not rows:
        pdf.set_y(COVER_TABLE_TOP)
        pdf.set_font(FONT, "", 10)
        pdf.cell(CONTENT_W, 6, "No patients in this export.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_y(COVER_TABLE_TOP)

    def header() -> None:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_fill_color(230)
        pdf.set_line_width(0.2)
        for head, w, align in COVER_COLS:
            pdf.cell(w, COVER_ROW_H, head, border=1, fill=True, align=align)
        pdf.ln(COVER_ROW_H)
        pdf.set_font(FONT, "", 8.5)

    header()
    first, other = _cover_capacity()
    on_page, limit = 0, first
    for i, r in enumerate(rows, start=1):
        if on_page == limit:
            pdf.add_page()
            header()
            on_page, limit = 0, other
        median = fmt_m(r.max_median_m) if r.max_median_m is not None else "-"
        values = (str(i), r.name, r.clinic_number, None, str(r.walks), median, str(r.days_walked), str(r.page))
        for (_, w, align), v in zip(COVER_COLS, values):
            if v is None:
                x, y = pdf.get_x(), pdf.get_y()
                pdf.rect(x, y, w, COVER_ROW_H)
                pdf.set_xy(x + 1.5, y + 0.6)
                pdf.severity_label(r.severity, w - 3, COVER_ROW_H - 1.2)
                pdf.set_xy(x + w, y)
            else:
                pdf.cell(w, COVER_ROW_H, pdf.fit(v, w), border=1, align=align)
        pdf.ln(COVER_ROW_H)
        on_page += 1
