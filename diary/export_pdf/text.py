"""Text for the PDF: latin-1 safety for the core fonts, and the small formatting helpers."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from diary._svg import fmt_m
from diary.severity import sort_key
from diary.weekly import FlagLine, PatientWeek

__all__ = ["RELIEF_WORDS", "flag_order", "fmt_change", "fmt_day", "fmt_dist", "fmt_relief",
           "fmt_stamp", "local_time", "safe_text"]

RELIEF_WORDS = {
    "stood_still": "stood still", "sat_down": "sat down", "bent_forward": "bent forward",
    "lay_down": "lay down", "not_relieved": "not relieved", "no_pain": "no pain",
}

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
# Formatting helpers.


def local_time(when: datetime, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def fmt_day(when: datetime, timezone: str) -> str:
    return f"{local_time(when, timezone):%d %b %Y}"


def fmt_stamp(when: datetime, timezone: str) -> str:
    return f"{local_time(when, timezone):%d %b %Y %H:%M}"


def fmt_dist(value: float | None) -> str:
    return "no data" if value is None else fmt_m(value)


def fmt_change(pw: PatientWeek, now: float | None, before: float | None, word: str) -> str:
    pct = pw.change_pct(now, before)
    if pct is None:
        return "no data"
    return f"{pct:+d}% ({word} {fmt_m(before)})" if before is not None else f"{pct:+d}%"


def fmt_relief(relief: dict[str, int]) -> str:
    if not relief:
        return "none recorded"
    items = sorted(relief.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{RELIEF_WORDS.get(k, k.replace('_', ' '))} {v}" for k, v in items)


def flag_order(flags: Iterable[FlagLine]) -> list[FlagLine]:
    live_first = {"open": 0, "acknowledged": 1, "resolved": 2}
    return sorted(flags, key=lambda f: (sort_key(f.severity), live_first.get(f.status, 3),
                                        -f.raised_at.timestamp(), f.rule))
