"""One patient's page: header, chart, the week's figures, the Fontaine estimate, flags and notes.

Every patient page fits on exactly one page: flags come first (worst first),
then the clinician notes; what does not fit is counted on the page ("2 more
clinician notes not shown on this page; see the dashboard.") rather than pushed
onto a second page.
"""

from __future__ import annotations

import io
from datetime import datetime

from fpdf.enums import XPos, YPos

from diary import signs
from diary._svg import fmt_m
from diary.weekly import SESSION_TARGET, PatientWeek

from .doc import CONTENT_W, FONT, FOOTER_TOP, MARGIN, Doc
from .svg import CHART_PX, chart_image
from .text import flag_order, fmt_change, fmt_day, fmt_dist, fmt_relief, fmt_stamp, safe_text

__all__ = ["DEFINITIONS", "EMPTY_WEEK", "FONTAINE_LABEL", "patient_page"]

FLAG_LINES = 3  # at most this many lines of a flag's message on the page
EMPTY_WEEK = "No walks or check-ins were logged this week."
FONTAINE_LABEL = "diary-based estimate from patient reports, not a clinical staging"
DEFINITIONS = (
    "Pain-free walking distance = distance at which pain began (a walk without pain counts its whole "
    "distance). Maximum walking distance = distance walked when stopped. Medians are over this week's "
    "walks; changes compare them with the previous week and with the patient's own baseline (best 28-day "
    "median of the 6 months before). Everyday walking distances are not treadmill distances. Days and "
    "times are in the clinic time zone."
)


def patient_page(pdf: Doc, clinic_name: str, pw: PatientWeek, produced_at: datetime,
                 clinician_notes: bool = True) -> None:
    week = pw.week
    tz = week.timezone
    if pdf.fresh_page:
        pdf.fresh_page = False
    else:
        pdf.add_page()  # draws the previous page's footer, so the new footer text is set after it
    pdf.footer_left = f"Walking Diary weekly summary - {clinic_name} - {pw.name} ({pw.clinic_number}) - {week.label}"
    pdf.start_section(safe_text(f"{pw.name} ({pw.clinic_number})").replace("\n", " ")[:120])

    # Header.
    pdf.set_font(FONT, "B", 15)
    pdf.cell(CONTENT_W * 0.7, 7, pdf.fit(pw.name, CONTENT_W * 0.7))
    pdf.set_font(FONT, "", 9)
    pdf.cell(CONTENT_W * 0.3, 7, pdf.fit(clinic_name, CONTENT_W * 0.3), align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(CONTENT_W, 5.5, pdf.fit(f"Clinic number: {pw.clinic_number}    Week: {week.describe()}", CONTENT_W),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    phone = f" Clinic phone {pdf.clinic_phone}." if pdf.clinic_phone else ""
    pdf.cell(CONTENT_W, 4.5, pdf.fit(f"Weekly walking diary summary. Produced {fmt_stamp(produced_at, tz)} "
                                     f"(clinic time zone, {tz}).{phone}", CONTENT_W),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.rule(pdf.get_y() + 1)
    pdf.set_y(pdf.get_y() + 2.5)

    if pw.empty:
        pdf.set_font(FONT, "B", 11)
        pdf.set_line_width(0.4)
        pdf.cell(CONTENT_W, 8, EMPTY_WEEK, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + 1.5)

    # The chart.
    svg, summary = chart_image(pw)
    chart_h = CONTENT_W * CHART_PX[1] / CHART_PX[0]
    y = pdf.get_y()
    pdf.image(io.BytesIO(svg), x=MARGIN, y=y, w=CONTENT_W, h=chart_h, alt_text=safe_text(summary))
    pdf.set_y(y + chart_h + 1)

    # The figures.
    pdf.heading("This week")
    line_h = 4.6
    half = CONTENT_W / 2
    left = [f"Walks: {pw.walk_count}", f"Days walked: {pw.days_walked}",
            f"Total distance: {fmt_m(pw.total_distance_m)}"]
    right = [f"Rest-pain days: {pw.rest_pain_days}", f"Wounds reported: {pw.wounds_reported}",
             f"Relief postures seen: {fmt_relief(pw.relief)}"]
    pdf.set_font(FONT, "", 9)
    for a, b in zip(left, right):
        pdf.cell(half, line_h, pdf.fit(a, half))
        pdf.cell(half, line_h, pdf.fit(b, half), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pw.signs:
        pdf.set_font(FONT, "B", 9)
        pdf.lines(pdf.wrap(f"Danger signs reported: {signs.labels(pw.signs)}.", CONTENT_W), line_h)
    pdf.set_font(FONT, "B", 9)
    met = "MET" if pw.target_met else "NOT MET"
    pdf.cell(CONTENT_W, line_h, f"Exercise target of at least {SESSION_TARGET} sessions a week: {met} "
             f"({pw.days_walked} day{'' if pw.days_walked == 1 else 's'} walked)",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 1)

    cols = (52.0, 22.0, 22.0, 45.0, 45.0)
    heads = ("Distance", "Median", "Best", "Change vs previous week", "Change vs baseline")
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_fill_color(230)
    for w, h in zip(cols, heads):
        pdf.cell(w, 5, h, border=1, fill=True)
    pdf.ln(5)
    pdf.set_font(FONT, "", 8.5)
    rows = (
        ("Pain-free walking distance", pw.pain_free_median_m, pw.pain_free_best_m,
         pw.previous_pain_free_median_m, pw.baseline_pain_free_m),
        ("Maximum walking distance", pw.max_median_m, pw.max_best_m, pw.previous_max_median_m, pw.baseline_max_m),
    )
    for label, med, best, prev, base in rows:
        cells = (label, fmt_dist(med), fmt_dist(best), fmt_change(pw, med, prev, "from"),
                 fmt_change(pw, med, base, "baseline"))
        for w, text in zip(cols, cells):
            pdf.cell(w, 5, pdf.fit(text, w), border=1)
        pdf.ln(5)
    pdf.set_y(pdf.get_y() + 2)

    # The Fontaine estimate, boxed and labelled.
    y = pdf.get_y()
    pdf.set_font(FONT, "B", 9)
    pdf.cell(CONTENT_W, 5, pdf.fit(f"Estimated Fontaine stage: {pw.fontaine} ({FONTAINE_LABEL})", CONTENT_W - 2),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    basis = pw.fontaine_basis or "not enough diary data"
    pdf.cell(CONTENT_W, 4.5, pdf.fit(f"Basis: {basis}.".replace("..", "."), CONTENT_W - 2),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_line_width(0.3)
    pdf.rect(MARGIN, y - 0.5, CONTENT_W, pdf.get_y() - y + 1)
    pdf.set_y(pdf.get_y() + 3)

    _flags_section(pdf, pw)
    if clinician_notes:  # the clinic's copy; the patient's own PDF leaves the team's notes out
        _notes_section(pdf, pw)

    # Definitions above the footer.
    pdf.rule(FOOTER_TOP - 1, grey=160)
    pdf.set_y(FOOTER_TOP)
    pdf.set_font(FONT, "", 7)
    pdf.lines(pdf.wrap(DEFINITIONS, CONTENT_W), 3.2)


def _room(pdf: Doc, height: float) -> bool:
    return pdf.get_y() + height <= FOOTER_TOP - 3


def _more(pdf: Doc, count: int, what: str) -> None:
    pdf.set_font(FONT, "I", 8)
    pdf.cell(CONTENT_W, 4, f"{count} more {what} not shown on this page; see the dashboard.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _flags_section(pdf: Doc, pw: PatientWeek) -> None:
    pdf.heading("Flags raised or open this week")
    flags = flag_order(pw.flags)
    if not flags:
        pdf.set_font(FONT, "", 9)
        pdf.cell(CONTENT_W, 5, "No flags raised or open this week.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + 2)
        return
    cols = (20.0, 25.0, 33.0, 30.0, CONTENT_W - 108.0)
    pdf.set_font(FONT, "B", 8)
    pdf.set_fill_color(230)
    for w, h in zip(cols, ("Severity", "Status", "Rule", "Raised", "Message")):
        pdf.cell(w, 4.8, h, border=1, fill=True)
    pdf.ln(4.8)
    pdf.set_font(FONT, "", 8)
    line_h = 3.8
    for i, flag in enumerate(flags):
        message = safe_text(flag.message)
        lines = pdf.wrap(message, cols[4])
        if len(lines) > FLAG_LINES:  # a flag message is a sentence or two; never let one eat the page
            lines = lines[:FLAG_LINES]
            lines[-1] = pdf.fit(lines[-1] + " ...", cols[4])
        h = max(1, len(lines)) * line_h + 1
        if not _room(pdf, h + (5 if i < len(flags) - 1 else 0)):
            _more(pdf, len(flags) - i, "flags" if len(flags) - i > 1 else "flag")
            return
        x, y = MARGIN, pdf.get_y()
        raised = fmt_day(flag.raised_at, pw.week.timezone) + (" NEW" if flag.raised_this_week else "")
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0)
        for w in cols:
            pdf.rect(x, y, w, h)
            x += w
        pdf.set_xy(MARGIN, y + 0.5)
        pdf.severity_label(flag.severity, cols[0], line_h)
        pdf.set_font(FONT, "B" if flag.status == "open" else "", 8)
        pdf.cell(cols[1], line_h, flag.status.upper() if flag.status == "open" else flag.status.capitalize())
        pdf.set_font(FONT, "", 8)
        pdf.cell(cols[2], line_h, pdf.fit(flag.rule, cols[2]))
        pdf.set_font(FONT, "B" if flag.raised_this_week else "", 8)
        pdf.cell(cols[3], line_h, pdf.fit(raised, cols[3]))
        pdf.set_font(FONT, "", 8)
        ty = y + 0.5
        for line in lines:
            pdf.set_xy(MARGIN + sum(cols[:4]) + 0.5, ty)
            pdf.cell(cols[4] - 1, line_h, line)
            ty += line_h
        pdf.set_xy(MARGIN, y + h)
    pdf.set_font(FONT, "", 7)
    pdf.cell(CONTENT_W, 3.8, "NEW = raised this week. Severity is written in words: EMERGENCY, URGENT, REVIEW, INFO.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 2)


def _notes_section(pdf: Doc, pw: PatientWeek) -> None:
    if not _room(pdf, 10):
        if pw.notes:
            _more(pdf, len(pw.notes), "clinician notes" if len(pw.notes) > 1 else "clinician note")
        return
    pdf.heading("Clinician notes this week")
    notes = sorted(pw.notes, key=lambda n: n.at)
    if not notes:
        pdf.set_font(FONT, "", 9)
        pdf.cell(CONTENT_W, 5, "No clinician notes this week.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    line_h = 3.9
    for i, note in enumerate(notes):
        head = f"{fmt_stamp(note.at, pw.week.timezone)}, {safe_text(note.author).strip() or 'clinician'}:"
        pdf.set_font(FONT, "", 8.5)
        lines = pdf.wrap(safe_text(note.text).strip() or "(empty note)", CONTENT_W - 4)
        after = len(notes) - i - 1
        spare = int((FOOTER_TOP - 3 - pdf.get_y() - (4.5 if after else 0)) // line_h) - 1  # minus the head line
        if spare < min(2, len(lines)):
            _more(pdf, len(notes) - i, "clinician notes" if len(notes) - i > 1 else "clinician note")
            return
        if len(lines) > spare:
            lines = lines[:spare]
            lines[-1] = pdf.fit(lines[-1] + " ... (continued on the dashboard)", CONTENT_W - 4)
        pdf.set_font(FONT, "B", 8.5)
        pdf.cell(CONTENT_W, line_h, pdf.fit(head, CONTENT_W), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8.5)
        pdf.lines(lines, line_h, x=MARGIN + 4)
        pdf.set_y(pdf.get_y() + 1)
