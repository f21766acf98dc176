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
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from diary._svg import fmt_m
from diary.chart import distance_chart
from diary.weekly import CHART_WEEKS, SESSION_TARGET, FlagLine, PatientWeek, Week

__all__ = ["EMPTY_WEEK", "clinic_pdf", "cover_order", "patient_pdf", "safe_text", "svg_for_fpdf", "write_clinic_pdf"]

FONT = "Helvetica"
MARGIN = 12.0
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_TOP = PAGE_H - 21.0  # definitions and the page footer live below this line
CHART_PX = (720, 360)  # diary.chart's default size, as on the dashboard
CHART_THRESHOLD_M = 200
FLAG_LINES = 3  # at most this many lines of a flag's message on the page
SEVERITY_ORDER = {"urgent": 0, "review": 1, "info": 2, "none": 3}
RELIEF_WORDS = {
    "stood_still": "stood still", "sat_down": "sat down", "bent_forward": "bent forward",
    "lay_down": "lay down", "not_relieved": "not relieved", "no_pain": "no pain",
}
EMPTY_WEEK = "No walks or check-ins were logged this week."
FONTAINE_LABEL = "diary-based estimate from patient reports, not a clinical staging"
DEFINITIONS = (
    "Pain-free walking distance = distance at which pain began (a walk without pain counts its whole "
    "distance). Maximum walking distance = distance walked when stopped. Medians are over this week's "
    "walks; changes compare them with the previous week and with the patient's own baseline (best 28-day "
    "median of the 6 months before). Everyday walking distances are not treadmill distances. Days and "
    "times are in the clinic time zone."
)

# ---------------------------------------------------------------------------
# Text: core fonts are latin-1 only.

_REPLACE = {
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2015": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2026": "...", "\u2022": "-", "\u2023": "-", "\u2043": "-",
    "\u2192": "->", "\u2190": "<-", "\u2194": "<->", "\u21d2": "=>", "\u21d0": "<=", "\u2191": "up", "\u2193": "down",
    "\u2265": ">=", "\u2264": "<=", "\u2260": "!=", "\u2248": "~",
    "\u20ac": "EUR", "\u2122": "(TM)", "\u2030": " per mille",
    "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u202f": " ", "\u2007": " ", "\u2008": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\ufe0f": "", "\ufe0e": "",
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0131": "i", "\u0152": "OE", "\u0153": "oe",
    "\u1e9e": "SS", "\t": " ",
}


@lru_cache(maxsize=4096)
def _safe_char(ch: str) -> str:
    if ch in _REPLACE:
        return _REPLACE[ch]
    code = ord(ch)
    if code < 0x20 and ch not in "\n":
        return " " if ch in "\r\v\f" else ""
    if code < 0x7F or 0xA0 <= code <= 0xFF:
        return ch
    if 0x7F <= code < 0xA0:  # DEL and C1 controls: not drawable
        return ""
    # Compatibility forms (ligatures, full-width letters), then a letter without
    # its accent ("Dvořák" reads "Dvorak"); anything else is a '?'.
    for form in ("NFKC", "NFKD"):
        folded = "".join(c for c in unicodedata.normalize(form, ch) if not unicodedata.combining(c))
        if folded and all(ord(c) < 0x7F and ord(c) >= 0x20 or 0xA0 <= ord(c) <= 0xFF for c in folded):
            return folded
    return "?"


def safe_text(text: object) -> str:
    """Text that Helvetica (latin-1) can draw: dashes, arrows and quotes become ASCII,
    latin-1 accents stay ("Zoë"), other accented letters lose the accent, anything
    else (emoji, CJK) becomes '?'."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(_safe_char(c) for c in text.replace("\r\n", "\n"))


# ---------------------------------------------------------------------------
# The chart: diary.chart's SVG, simplified for fpdf2.

_SVG_NS = "http://www.w3.org/2000/svg"
_INHERITED = ("fill", "stroke", "stroke-width", "stroke-dasharray", "font-family", "font-size", "font-weight",
              "text-anchor")
_SHAPES = {"path", "line", "circle", "rect", "polygon"}
_KAPPA = 0.5522847498  # cubic Bezier control distance for a quarter circle


def _num(text: str | None) -> float:
    return float(text or 0)


def _f(value: float) -> str:
    s = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _shape_path(tag: str, a: dict[str, str]) -> str:
    if tag == "path":
        return a.get("d", "")
    if tag == "line":
        return f"M{_f(_num(a.get('x1')))} {_f(_num(a.get('y1')))}L{_f(_num(a.get('x2')))} {_f(_num(a.get('y2')))}"
    if tag == "rect":
        x, y, w, h = (_num(a.get(k)) for k in ("x", "y", "width", "height"))
        return f"M{_f(x)} {_f(y)}H{_f(x + w)}V{_f(y + h)}H{_f(x)}Z"
    if tag == "polygon":
        pts = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", a.get("points", ""))
        pairs = [f"{_f(float(pts[i]))} {_f(float(pts[i + 1]))}" for i in range(0, len(pts) - 1, 2)]
        return ("M" + "L".join(pairs) + "Z") if pairs else ""
    if tag == "circle":
        x, y, r = _num(a.get("cx")), _num(a.get("cy")), _num(a.get("r"))
        k = _KAPPA * r
        return (f"M{_f(x + r)} {_f(y)}C{_f(x + r)} {_f(y + k)} {_f(x + k)} {_f(y + r)} {_f(x)} {_f(y + r)}"
                f"C{_f(x - k)} {_f(y + r)} {_f(x - r)} {_f(y + k)} {_f(x - r)} {_f(y)}"
                f"C{_f(x - r)} {_f(y - k)} {_f(x - k)} {_f(y - r)} {_f(x)} {_f(y - r)}"
                f"C{_f(x + k)} {_f(y - r)} {_f(x + r)} {_f(y - k)} {_f(x + r)} {_f(y)}Z")
    raise ValueError(tag)


def svg_for_fpdf(svg: str) -> bytes:
    """The chart's SVG rewritten into the small subset fpdf2 draws quickly and without warnings.

    What fpdf2 2.8 does with ``diary.chart`` output as it is:

    * ``<title>`` and ``<desc>`` (the tooltips and the text alternative) are not
      supported: fpdf2 logs "Ignoring unsupported SVG tag" once per element,
      about 100 warnings per chart. They are dropped here (the chart's summary
      goes into the PDF as the image's alternative text instead).
    * Everything else draws correctly, but slowly: about 30-40 ms per chart of
      12 weeks, mostly spent approximating each ``<circle>`` with arcs and on a
      graphics state per element and per ``<g>``. So groups are flattened (their
      presentation attributes pushed down), every shape becomes a ``<path>``
      (circles as four Bezier curves), and runs of consecutive shapes with the
      same style are merged into one path. The drawing order between different
      styles is kept, so what is on top stays on top. Text is drawn last, above
      every shape (no chart text sits under a mark), which lets the shapes
      between two labels merge too.

    Text elements keep their attributes; their content is made latin-1 safe.
    """
    root = ET.fromstring(svg)
    out: list[str] = []
    texts: list[str] = []
    run_style: tuple[tuple[str, str], ...] | None = None
    run_d: list[str] = []

    def flush() -> None:
        nonlocal run_style, run_d
        if run_style is not None and run_d:
            attrs = "".join(f' {k}="{_attr(v)}"' for k, v in run_style)
            out.append(f'<path d="{"".join(run_d)}"{attrs}/>')
        run_style, run_d = None, []

    def walk(el: ET.Element, inherited: dict[str, str]) -> None:
        nonlocal run_style
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in ("title", "desc"):
            return
        style = dict(inherited)
        style.update({k: v for k, v in el.attrib.items() if k in _INHERITED})
        if tag == "g":
            for child in el:
                walk(child, style)
            return
        if tag in _SHAPES:
            d = _shape_path(tag, el.attrib)
            if not d:
                return
            key = tuple(sorted((k, v) for k, v in style.items() if k not in ("font-family", "font-size",
                                                                            "font-weight", "text-anchor")))
            if key != run_style:
                flush()
                run_style = key
            run_d.append(d)
            return
        if tag == "text":
            attrs = "".join(f' {k}="{_attr(v)}"' for k, v in sorted(style.items()) if k != "stroke-dasharray")
            xy = f' x="{el.get("x", "0")}" y="{el.get("y", "0")}"'
            texts.append(f"<text{xy}{attrs}>{_xml(safe_text(''.join(el.itertext())))}</text>")
            return
        flush()  # an element fpdf2 would not draw anyway: keep the order around it

    top = {k: v for k, v in root.attrib.items() if k in _INHERITED}
    for child in root:
        walk(child, top)
    flush()
    head = " ".join(f'{k}="{_attr(root.get(k, ""))}"' for k in ("width", "height", "viewBox") if root.get(k))
    body = "".join(out) + "".join(texts)
    return f'<svg xmlns="{_SVG_NS}" {head}>{body}</svg>'.encode("latin-1", "replace")


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _xml(text).replace('"', "&quot;")


def chart_image(pw: PatientWeek) -> tuple[bytes, str]:
    """The 12-week distance chart for the page: (SVG bytes for fpdf2, text summary)."""
    week = pw.week
    walks = [e for e in pw.history if getattr(e, "type", "") == "walk"]
    check_ins = [e for e in pw.history if getattr(e, "type", "") == "check_in"]
    chart = distance_chart(
        walks, check_ins, start=week.end - timedelta(weeks=CHART_WEEKS), end=week.end, timezone=week.timezone,
        flagged=(), threshold_m=CHART_THRESHOLD_M, width=CHART_PX[0], height=CHART_PX[1],
        title=f"Walking distance, last {CHART_WEEKS} weeks",
    )
    return svg_for_fpdf(chart.svg), chart.summary


# ---------------------------------------------------------------------------
# Formatting helpers.


def _local(when: datetime, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def _day(when: datetime, timezone: str) -> str:
    return f"{_local(when, timezone):%d %b %Y}"


def _stamp(when: datetime, timezone: str) -> str:
    return f"{_local(when, timezone):%d %b %Y %H:%M}"


def _dist(value: float | None) -> str:
    return "no data" if value is None else fmt_m(value)


def _change(pw: PatientWeek, now: float | None, before: float | None, word: str) -> str:
    pct = pw.change_pct(now, before)
    if pct is None:
        return "no data"
    return f"{pct:+d}% ({word} {fmt_m(before)})" if before is not None else f"{pct:+d}%"


def _relief(relief: dict[str, int]) -> str:
    if not relief:
        return "none recorded"
    items = sorted(relief.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{RELIEF_WORDS.get(k, k.replace('_', ' '))} {v}" for k, v in items)


def _flag_order(flags: Iterable[FlagLine]) -> list[FlagLine]:
    live_first = {"open": 0, "acknowledged": 1, "resolved": 2}
    return sorted(flags, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), live_first.get(f.status, 3),
                                        -f.raised_at.timestamp(), f.rule))


# ---------------------------------------------------------------------------
# The document.


class _Doc(FPDF):
    """A4 portrait, Helvetica, a footer with the page number."""

    def __init__(self, clinic_name: str, produced_at: datetime, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.set_compression(True)
        self.clinic = safe_text(clinic_name)
        self.footer_left = ""
        self.fresh_page = False  # True when the current page is new and empty (after the cover placeholder)
        self.alias_nb_pages("{nb_pages}")  # room for a 5-digit total in the right-aligned footer
        self.set_font(FONT, "", 9)
        self.set_title(safe_text(title))
        self.set_author(self.clinic)
        self.set_creator("Walking Diary")
        self.set_lang("en")
        # A fixed creation date keeps the output the same for the same input.
        self.set_creation_date(produced_at if produced_at.tzinfo else produced_at.replace(tzinfo=ZoneInfo("UTC")))

    def footer(self) -> None:
        self.set_y(PAGE_H - 9)
        self.set_font(FONT, "", 7)
        self.set_text_color(70)
        self.cell(CONTENT_W * 0.8, 4, self.fit(self.footer_left, CONTENT_W * 0.8))
        self.cell(CONTENT_W * 0.2, 4, f"Page {self.page_no()} of {{nb_pages}}", align="R")
        self.set_text_color(0)

    def width(self, text: str) -> float:
        """Width of latin-1 ``text`` in the current core font, in mm (a fast ``get_string_width``)."""
        cw = self.current_font.cw
        return sum(cw.get(c, 600) for c in text) * self.font_size_pt * 0.001 / self.k

    def fit(self, text: str, width: float) -> str:
        """``text`` cut with '...' to fit ``width`` (a cell, padding included) in the current font."""
        text = safe_text(text).replace("\n", " ")
        room = width - 2 * self.c_margin
        if self.width(text) <= room:
            return text
        while text and self.width(text + "...") > room:
            text = text[: int(len(text) * 0.9)] if len(text) > 40 else text[:-1]
        return text.rstrip() + "..."

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap of ``text`` into lines no wider than ``width`` (padding included)."""
        return list(_wrap(safe_text(text), width - 2 * self.c_margin, self.current_font.fontkey,
                          self.font_size_pt, self.k))

    def lines(self, lines: Sequence[str], line_h: float, x: float | None = None) -> None:
        """Draw pre-wrapped lines, one cell each, moving down."""
        x = MARGIN if x is None else x
        for line in lines:
            self.set_x(x)
            self.cell(CONTENT_W - (x - MARGIN), line_h, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self, y: float | None = None, grey: int = 120) -> None:
        y = self.get_y() if y is None else y
        self.set_draw_color(grey)
        self.set_line_width(0.3)
        self.line(MARGIN, y, PAGE_W - MARGIN, y)
        self.set_draw_color(0)

    def heading(self, text: str) -> None:
        self.set_font(FONT, "B", 10.5)
        self.cell(CONTENT_W, 5.5, safe_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def severity_label(self, severity: str, w: float, h: float) -> None:
        """URGENT in white on black, REVIEW bold and boxed, INFO plain: readable without colour."""
        word = severity.upper() if severity != "none" else "none"
        if severity == "urgent":
            self.set_fill_color(0)
            self.set_text_color(255)
            self.set_font(FONT, "B", self.font_size_pt)
            self.cell(w, h, word, border=1, align="C", fill=True)
            self.set_text_color(0)
        elif severity == "review":
            self.set_font(FONT, "B", self.font_size_pt)
            self.cell(w, h, word, border=1, align="C")
        else:
            self.set_font(FONT, "", self.font_size_pt)
            self.cell(w, h, word, align="C")
        self.set_font(FONT, "", self.font_size_pt)


@lru_cache(maxsize=512)
def _wrap(text: str, room: float, fontkey: str, size_pt: float, k: float) -> tuple[str, ...]:
    cw = CORE_FONTS_CHARWIDTHS[fontkey]
    scale = size_pt * 0.001 / k

    def width(s: str) -> float:
        return sum(cw.get(c, 600) for c in s) * scale

    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if width(candidate) <= room:
                line = candidate
                continue
            if line:
                out.append(line)
            while width(word) > room:  # a word longer than a line (a URL): cut it
                lo, hi = 1, len(word) - 1  # the longest prefix that fits, at least one character
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    lo, hi = (mid, hi) if width(word[:mid]) <= room else (lo, mid - 1)
                out.append(word[:lo])
                word = word[lo:]
            line = word
        out.append(line)
    return tuple(out)


def _patient_page(pdf: _Doc, clinic_name: str, pw: PatientWeek, produced_at: datetime) -> None:
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
    pdf.cell(CONTENT_W, 4.5, pdf.fit(f"Weekly walking diary summary. Produced {_stamp(produced_at, tz)} "
                                     f"(clinic time zone, {tz}).", CONTENT_W),
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
             f"Relief postures seen: {_relief(pw.relief)}"]
    pdf.set_font(FONT, "", 9)
    for a, b in zip(left, right):
        pdf.cell(half, line_h, pdf.fit(a, half))
        pdf.cell(half, line_h, pdf.fit(b, half), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
        cells = (label, _dist(med), _dist(best), _change(pw, med, prev, "from"), _change(pw, med, base, "baseline"))
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
    _notes_section(pdf, pw)

    # Definitions above the footer.
    pdf.rule(FOOTER_TOP - 1, grey=160)
    pdf.set_y(FOOTER_TOP)
    pdf.set_font(FONT, "", 7)
    pdf.lines(pdf.wrap(DEFINITIONS, CONTENT_W), 3.2)


def _room(pdf: _Doc, height: float) -> bool:
    return pdf.get_y() + height <= FOOTER_TOP - 3


def _more(pdf: _Doc, count: int, what: str) -> None:
    pdf.set_font(FONT, "I", 8)
    pdf.cell(CONTENT_W, 4, f"{count} more {what} not shown on this page; see the dashboard.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _flags_section(pdf: _Doc, pw: PatientWeek) -> None:
    pdf.heading("Flags raised or open this week")
    flags = _flag_order(pw.flags)
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
        raised = _day(flag.raised_at, pw.week.timezone) + (" NEW" if flag.raised_this_week else "")
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
    pdf.cell(CONTENT_W, 3.8, "NEW = raised this week. Severity is written in words: URGENT, REVIEW, INFO.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 2)


def _notes_section(pdf: _Doc, pw: PatientWeek) -> None:
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
        head = f"{_stamp(note.at, pw.week.timezone)}, {safe_text(note.author).strip() or 'clinician'}:"
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


class _Row(NamedTuple):
    """What the cover lists for one patient: kept instead of the whole PatientWeek."""

    severity: str
    name: str
    clinic_number: str
    patient_id: int
    walks: int
    max_median_m: float | None
    days_walked: int
    page: int


def _row(pw: PatientWeek, page: int) -> _Row:
    severity = pw.worst_severity if pw.worst_severity in SEVERITY_ORDER else "none"
    return _Row(severity, pw.name, pw.clinic_number, pw.patient_id, pw.walk_count, pw.max_median_m,
                pw.days_walked, page)


def _row_key(r: _Row) -> tuple[int, str, str, int]:
    return (SEVERITY_ORDER[r.severity], r.name.casefold(), r.clinic_number, r.patient_id)


def cover_order(weeks: Iterable[PatientWeek]) -> list[PatientWeek]:
    """Worst live flag first (urgent, review, info, none), then name, clinic number: the cover's order."""
    return sorted(weeks, key=lambda p: _row_key(_row(p, 0)))


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


def _cover_pages(n: int) -> int:
    first, other = _cover_capacity()
    return 1 if n <= first else 1 + -(-(n - first) // other)


def _cover(pdf: _Doc, clinic_name: str, week: Week, rows: Sequence[_Row], produced_at: datetime) -> None:
    """The cover, from the top of its first page; breaks pages by row count, so its length is
    ``_cover_pages(len(rows))`` exactly."""
    pdf.set_xy(MARGIN, MARGIN)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(CONTENT_W, 9, pdf.fit(clinic_name, CONTENT_W), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 12)
    pdf.cell(CONTENT_W, 6.5, f"Weekly walking diary summary, week {week.describe()}", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.cell(CONTENT_W, 5, f"Produced {_stamp(produced_at, week.timezone)} (clinic time zone, {week.timezone}).",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for r in rows:
        counts[r.severity] += 1
    pdf.set_font(FONT, "B", 9)
    pdf.cell(CONTENT_W, 5, f"{len(rows)} patient{'s' if len(rows) != 1 else ''}: {counts['urgent']} URGENT, "
             f"{counts['review']} REVIEW, {counts['info']} INFO, {counts['none']} without a live flag.",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.lines(pdf.wrap(
        "Patients are listed by their worst live (open or acknowledged) flag - URGENT, then REVIEW, then INFO, "
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


# ---------------------------------------------------------------------------
# Public API.


def patient_pdf(clinic_name: str, pw: PatientWeek, produced_at: datetime) -> bytes:
    """One page: the weekly summary of one patient."""
    pdf = _Doc(clinic_name, produced_at, f"Weekly summary {pw.week.label}: {pw.name}")
    _patient_page(pdf, safe_text(clinic_name), pw, produced_at)
    return bytes(pdf.output())


def _render_clinic(pdf: _Doc, clinic_name: str, week: Week, weeks: Iterable[PatientWeek], count: int,
                   produced_at: datetime, progress: Callable[[int], None] | None) -> None:
    """Cover pages reserved first (fpdf2's table-of-contents placeholder) and drawn when the
    document is output, once every patient's page number is known; so ``weeks`` is read
    once, in order, and only a small row per patient is kept."""
    clinic = safe_text(clinic_name)
    rows: list[_Row] = []
    pdf.add_page()
    pdf.footer_left = f"Walking Diary weekly summary - {clinic} - {week.label} - patients by flag severity"
    pdf.start_section("Patients by flag severity")
    if count == 0:
        _cover(pdf, clinic, week, rows, produced_at)
        for _ in weeks:
            raise ValueError("count=0 but weeks is not empty")
        return

    def draw_cover(doc: FPDF, _outline: object) -> None:
        assert isinstance(doc, _Doc)
        _cover(doc, clinic, week, sorted(rows, key=_row_key), produced_at)

    pdf.insert_toc_placeholder(draw_cover, pages=_cover_pages(count), reset_page_indices=False)
    pdf.fresh_page = True  # the placeholder left us on a new, empty page
    for done, pw in enumerate(weeks, start=1):
        if done > count:
            raise ValueError(f"weeks holds more than count={count} patients")
        _patient_page(pdf, clinic, pw, produced_at)
        rows.append(_row(pw, pdf.page_no()))
        if progress is not None:
            progress(done)
    if len(rows) != count:
        raise ValueError(f"weeks held {len(rows)} patients, not count={count}")


def clinic_pdf(clinic_name: str, week: Week, weeks: Sequence[PatientWeek], produced_at: datetime,
               progress: Callable[[int], None] | None = None) -> bytes:
    """A cover (patients by worst live flag, then name, with their page numbers; more than
    one page for a large clinic), then one page per patient in the cover's order.

    ``progress(n)`` is called after each patient page with the number of patient
    pages done so far (1, 2, ... len(weeks)).
    """
    ordered = cover_order(weeks)
    pdf = _Doc(clinic_name, produced_at, f"Weekly summary {week.label}: {clinic_name}")
    _render_clinic(pdf, clinic_name, week, ordered, len(ordered), produced_at, progress)
    return bytes(pdf.output())


def write_clinic_pdf(path: Path | str, clinic_name: str, week: Week, weeks: Iterable[PatientWeek],
                     produced_at: datetime, progress: Callable[[int], None] | None = None, *,
                     count: int | None = None) -> None:
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
    pdf = _Doc(clinic_name, produced_at, f"Weekly summary {week.label}: {clinic_name}")
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
