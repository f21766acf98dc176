"""The weekly summary as PDF: one page per patient, and a clinic cover page.

Pure rendering: :class:`~diary.weekly.PatientWeek` objects in, PDF bytes out.
No database, no clock (``produced_at`` is passed in), no web framework.

* :func:`patient_pdf` - one page for one patient (what a patient downloads).
* :func:`clinic_pdf` - a cover page listing the patients by their worst live
  flag (urgent, review, info, none), then by name, followed by one page per
  patient in the same order. The cover runs onto more pages for a large clinic.
* :func:`write_clinic_pdf` - the same document written to a file (through a
  temporary file and a rename, so a reader never finds half a PDF); with
  ``count`` it streams the patients from a generator, for large clinics.

Every patient page fits on exactly one page: flags come first (worst first),
then the clinician notes; what does not fit is counted on the page ("2 more
clinician notes not shown on this page; see the dashboard.") rather than pushed
onto a second page.

fpdf2 core fonts (Helvetica) are used so the install stays pip-only; they only
cover latin-1, so all text goes through :func:`safe_text`. Severity is written
in words (URGENT, REVIEW, INFO) so the pages read in black and white.

The distance chart is ``diary.chart.distance_chart`` drawn through fpdf2's SVG
support after :func:`svg_for_fpdf` has simplified it (see there for why).

The package by area: ``text`` (latin-1 safety, formatting helpers), ``svg``
(the chart for fpdf2), ``doc`` (page geometry and the FPDF subclass), ``page``
(one patient's page), ``cover`` (the clinic cover and its order); this module
holds the public API.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from diary.weekly import PatientWeek, Week

from .cover import Row, cover_order, cover_pages, cover_row, draw_cover, row_key
from .doc import Doc
from .page import EMPTY_WEEK, patient_page
from .svg import svg_for_fpdf
from .text import safe_text

__all__ = ["EMPTY_WEEK", "clinic_pdf", "cover_order", "patient_pdf", "safe_text", "svg_for_fpdf", "write_clinic_pdf"]


def patient_pdf(clinic_name: str, pw: PatientWeek, produced_at: datetime, *, clinic_phone: str = "",
                clinician_notes: bool = True) -> bytes:
    """One page: the weekly summary of one patient (with the clinic's phone number, when set).
    The patient's own copy is made with ``clinician_notes=False``: the notes (and who
    wrote them) are the team's working notes."""
    pdf = Doc(clinic_name, produced_at, f"Weekly summary {pw.week.label}: {pw.name}", clinic_phone)
    if not clinician_notes:
        pw = replace(pw, notes=[])
    patient_page(pdf, safe_text(clinic_name), pw, produced_at, clinician_notes=clinician_notes)
    return bytes(pdf.output())


def _render_clinic(pdf: Doc, clinic_name: str, week: Week, weeks: Iterable[PatientWeek], count: int,
                   produced_at: datetime, progress: Callable[[int], None] | None) -> None:
    """Cover pages reserved first (fpdf2's table-of-contents placeholder) and drawn when the
    document is output, once every patient's page number is known; so ``weeks`` is read
    once, in order, and only a small row per patient is kept."""
    clinic = safe_text(clinic_name)
    rows: list[Row] = []
    pdf.add_page()
    pdf.footer_left = f"Walking Diary weekly summary - {clinic} - {week.label} - patients by flag severity"
    pdf.start_section("Patients by flag severity")
    if count == 0:
        draw_cover(pdf, clinic, week, rows, produced_at)
        for _ in weeks:
            raise ValueError("count=0 but weeks is not empty")
        return

    def draw(doc: FPDF, _outline: object) -> None:
        assert isinstance(doc, Doc)
        draw_cover(doc, clinic, week, sorted(rows, key=row_key), produced_at)

    pdf.insert_toc_placeholder(draw, pages=cover_pages(count), reset_page_indices=False)
    pdf.fresh_page = True  # the placeholder left us on a new, empty page
    for done, pw in enumerate(weeks, start=1):
        if done > count:
            raise ValueError(f"weeks holds more than count={count} patients")
        patient_page(pdf, clinic, pw, produced_at)
        rows.append(cover_row(pw, pdf.page_no()))
        if progress is not None:
            progress(done)
    if len(rows) != count:
        raise ValueError(f"weeks held {len(rows)} patients, not count={count}")


def clinic_pdf(clinic_name: str, week: Week, weeks: Sequence[PatientWeek], produced_at: datetime,
               progress: Callable[[int], None] | None = None, *, clinic_phone: str = "") -> bytes:
    """A cover (patients by worst live flag, then name, with their page numbers; more than
    one page for a large clinic), then one page per patient in the cover's order.

    ``progress(n)`` is called after each patient page with the number of patient
    pages done so far (1, 2, ... len(weeks)).
    """
    ordered = cover_order(weeks)
    pdf = Doc(clinic_name, produced_at, f"Weekly summary {week.label}: {clinic_name}", clinic_phone)
    _render_clinic(pdf, clinic_name, week, ordered, len(ordered), produced_at, progress)
    return bytes(pdf.output())


def write_clinic_pdf(path: Path | str, clinic_name: str, week: Week, weeks: Iterable[PatientWeek],
                     produced_at: datetime, progress: Callable[[int], None] | None = None, *,
                     count: int | None = None, clinic_phone: str = "") -> None:
    """:func:`clinic_pdf` written to ``path`` through a temporary file in the same
    directory and a rename, so ``path`` is either absent or complete.

    Without ``count``, ``weeks`` is read into a list and the result is byte for byte
    what :func:`clinic_pdf` returns. With ``count`` (the number of patients ``weeks``
    will yield) it is streamed: each PatientWeek is drawn and dropped as it comes, the
    pages follow the order of ``weeks`` (yield them in :func:`cover_order` for the pages
    to follow the cover), and only a short row per patient is kept for the cover. A
    ``weeks`` that yields another number of patients raises ValueError and writes nothing.
    """
    path = Path(path)
    pdf = Doc(clinic_name, produced_at, f"Weekly summary {week.label}: {clinic_name}", clinic_phone)
    if count is None:
        ordered = cover_order(weeks)
        _render_clinic(pdf, clinic_name, week, ordered, len(ordered), produced_at, progress)
    else:
        _render_clinic(pdf, clinic_name, week, weeks, count, produced_at, progress)
    data = pdf.output()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
