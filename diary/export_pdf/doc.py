"""The document: A4 portrait page geometry, and an FPDF with the drawing helpers the pages share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import CORE_FONTS_CHARWIDTHS

from .text import safe_text

__all__ = ["CONTENT_W", "FONT", "FOOTER_TOP", "MARGIN", "PAGE_H", "PAGE_W", "Doc"]

FONT = "Helvetica"
MARGIN = 12.0
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_TOP = PAGE_H - 21.0  # definitions and the page footer live below this line


class Doc(FPDF):
    """A4 portrait, Helvetica, a footer with the page number."""

    def __init__(self, clinic_name: str, produced_at: datetime, title: str, clinic_phone: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.clinic_phone = safe_text(clinic_phone)
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
        """EMERGENCY in white on dark red with a heavy border, URGENT in white on black, REVIEW bold
        and boxed, INFO plain: written in words, so readable without colour."""
        word = severity.upper() if severity != "none" else "none"
        if severity == "emergency":
            self.set_fill_color(150, 0, 0)
            self.set_text_color(255)
            self.set_line_width(0.6)
            self.set_font(FONT, "B", self.font_size_pt)
            self.cell(w, h, word, border=1, align="C", fill=True)
            self.set_line_width(0.2)
            self.set_text_color(0)
        elif severity == "urgent":
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
