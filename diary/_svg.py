"""Private drawing helpers for ``diary.chart``: numbers, ticks, marks and the legend.

Everything here writes SVG presentation attributes only (no CSS), escapes all
text, and rounds coordinates to one decimal so output is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from diary import signs
from diary.entries import CheckIn, ColourChange, Walk

MAX_COLOUR = "#1f4e99"
PF_COLOUR = "#c25400"
FLAG_COLOUR = "#b00020"
SWATCH = {"pale": "#f3e9dc", "blue": "#1565c0", "black": "#111111"}


def esc(text: str) -> str:
    return escape(text)


def q(value: str) -> str:
    return quoteattr(value)


def n(value: float) -> str:
    """A coordinate rounded to 0.1, without a trailing '.0' or a '-0'."""
    s = f"{round(value, 1) + 0.0:.1f}".removesuffix(".0")
    return "0" if s == "-0" else s


def fmt_m(value: float) -> str:
    """'180 m', '1 km', '1.25 km': as the diary pages write distances."""
    return f"{value:,.0f} m" if value < 1000 else f"{round(value / 1000, 2):g} km"


def local_day(t: datetime, zone: ZoneInfo, year: bool = False) -> str:
    d = t.astimezone(zone)
    return f"{d.day} {d:%b}" + (f" {d.year}" if year else "")


def _rest_pain(c: CheckIn) -> str:
    return ("rest pain at night" if c.rest_pain_at_night else "rest pain") if signs.rest_pain(c) else ""


def _wound(c: CheckIn) -> str:
    return ("wound or ulcer" + (f", {c.wound_days} days" if c.wound_days else "")) if c.wound else ""


def _colour(c: CheckIn) -> str:
    shown = c.colour_change is not None and c.colour_change != ColourChange.none
    return f"colour change: {c.colour_change.value}" if shown else ""


def _sudden(c: CheckIn) -> str:
    return "sudden change in the leg" if signs.sudden(c) else ""


# One lane of the check-in strip per sign: (class, lane label, summary noun, words for a check-in or "").
LANES: tuple[tuple[str, str, str, Callable[[CheckIn], str]], ...] = (
    ("rest-pain", "Rest pain", "rest pain", _rest_pain),
    ("wound", "Wound", "wound or ulcer", _wound),
    ("colour", "Colour", "colour change", _colour),
    ("sudden", "Sudden", "sudden change", _sudden),
)


def nice_axis(top: float) -> tuple[float, int]:
    """A round axis maximum at or above ``top`` and its number of steps (at most 5)."""
    mag = 10 ** math.floor(math.log10(top / 5))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if top / (m * mag) <= 5 + 1e-9)
    steps = max(1, math.ceil(top / step - 1e-9))
    return step * steps, steps


_STEPS = (("day", 1), ("day", 2), ("day", 7), ("day", 14), ("month", 1), ("month", 2), ("month", 3),
          ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10))


def _midnight(d: date, zone: ZoneInfo) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=zone)


def x_ticks(start: datetime, end: datetime, zone: ZoneInfo, max_ticks: int) -> list[tuple[datetime, str]]:
    """Ticks at local midnights: daily, weekly (Mondays), monthly (1st) or yearly, whichever fits."""
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days = (last - first).days + 1
    for unit, step in _STEPS:
        approx = days / step if unit == "day" else days / (30.4 * step) if unit == "month" else days / (365 * step)
        if approx > max_ticks + 1 and (unit, step) != _STEPS[-1]:
            continue
        if unit == "day":
            dates = [first + timedelta(days=i) for i in range(days)]
            # Whole weeks fall on Mondays (ordinal 1 is a Monday); other steps count from ordinal 0.
            dates = [d for d in dates if (d.toordinal() - (step >= 7)) % step == 0]
        elif unit == "month":
            months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
            dates = [date(m // 12, m % 12 + 1, 1) for m in months if m % step == 0]
        else:
            dates = [date(yr, 1, 1) for yr in range(first.year, last.year + 1) if yr % step == 0]
        ticks = [(t, d) for d in dates if start <= (t := _midnight(d, zone)) <= end]
        if len(ticks) <= max_ticks:
            break
    if not ticks:  # a period inside one day: label where it starts
        return [(start, f"{first.day} {first:%b}")]
    if unit == "day":
        return [(t, f"{d.day} {d:%b}") for t, d in ticks]
    if unit == "month":
        return [(t, f"{d:%b}" + (f" {d.year}" if i == 0 or d.month == 1 else "")) for i, (t, d) in enumerate(ticks)]
    return [(t, str(d.year)) for t, d in ticks]


def polyline(xs: Sequence[float], ys: Sequence[float | None]) -> str:
    """Path data through the defined points; a gap at None; a lone point as a short level dash."""
    parts, run = [], []
    for x, y in [*zip(xs, ys), (0.0, None)]:
        if y is not None:
            run.append((x, y))
            continue
        if len(run) == 1:
            parts.append(f"M{n(run[0][0] - 4)} {n(run[0][1])}H{n(run[0][0] + 4)}")
        elif run:
            parts.append("M" + "L".join(f"{n(a)} {n(b)}" for a, b in run))
        run = []
    return "".join(parts)


def _shape(kind: str, x: float, y: float, colour: str | None = None) -> str:
    if kind == "max":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="3.5" fill="{MAX_COLOUR}" stroke="{MAX_COLOUR}" stroke-width="1"/>'
    if kind == "pain-free":
        return (f'<rect x="{n(x - 3.5)}" y="{n(y - 3.5)}" width="7" height="7" fill="#ffffff" '
                f'stroke="{PF_COLOUR}" stroke-width="1.5"/>')
    if kind == "flag":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="7.5" fill="none" stroke="{FLAG_COLOUR}" stroke-width="1.6"/>'
    if kind == "rest-pain":
        return f'<circle cx="{n(x)}" cy="{n(y)}" r="4" fill="#8b1a1a" stroke="#8b1a1a" stroke-width="1"/>'
    if kind == "wound":
        return (f'<polygon points="{n(x)},{n(y - 5)} {n(x + 5)},{n(y)} {n(x)},{n(y + 5)} {n(x - 5)},{n(y)}" '
                f'fill="#6a1b9a" stroke="#6a1b9a" stroke-width="1"/>')
    if kind == "colour":
        return (f'<rect x="{n(x - 4)}" y="{n(y - 4)}" width="8" height="8" fill="{SWATCH.get(colour or "", "#ffffff")}" '
                f'stroke="#333333" stroke-width="1"/>')
    if kind == "sudden":
        return (f'<polygon points="{n(x)},{n(y - 5)} {n(x + 5)},{n(y + 4)} {n(x - 5)},{n(y + 4)}" '
                f'fill="#d32f2f" stroke="#7f0000" stroke-width="1"/>')
    raise ValueError(kind)


def _mark(kind: str, entry: Walk | CheckIn, x: float, y: float, tip: str, flagged: Collection[str],
          colour: str | None = None) -> str:
    is_flagged = str(entry.id) in flagged
    cls = f"mark {kind}" + (" flagged" if is_flagged else "")
    ring = _shape("flag", x, y) if is_flagged else ""
    tip += " (flagged)" if is_flagged else ""
    return (f'<g class="{cls}" data-entry={q(str(entry.id))}><title>{esc(tip)}</title>'
            f"{_shape(kind, x, y, colour)}{ring}</g>")


def walk_mark(kind: str, walk: Walk, x: float, y: float, tip: str, flagged: Collection[str]) -> str:
    return _mark(kind, walk, x, y, tip, flagged)


def checkin_mark(kind: str, check_in: CheckIn, x: float, y: float, tip: str, flagged: Collection[str]) -> str:
    colour = check_in.colour_change.value if check_in.colour_change not in (None, ColourChange.none) else None
    return _mark(kind, check_in, x, y, tip, flagged, colour)


def _icon(kind: str, x: float, y: float) -> str:
    """A legend icon 20 px wide starting at x, centred on y."""
    line = f'<line x1="{n(x)}" y1="{n(y)}" x2="{n(x + 20)}" y2="{n(y)}" '
    if kind == "median-max":
        return line + f'stroke="{MAX_COLOUR}" stroke-width="2"/>'
    if kind == "median-pain-free":
        return line + f'stroke="{PF_COLOUR}" stroke-width="2" stroke-dasharray="8 4"/>'
    if kind == "threshold":
        return line + 'stroke="#555555" stroke-width="1.2" stroke-dasharray="2 3"/>'
    if kind == "colour":
        return "".join(_shape("colour", x + 3 + 7 * i, y, c) for i, c in enumerate(SWATCH))
    return _shape(kind, x + 10, y)


def legend_rows(width: int, threshold_m: float) -> list[list[tuple[str, str]]]:
    """Legend items wrapped into rows that fit ``width``: the walk series, then the check-in signs.

    Below 600 px wide the labels are shortened so the legend does not eat the plot.
    """
    short = width < 600
    walks = [("max", "Maximum" if short else "Maximum distance"),
             ("pain-free", "Pain-free" if short else "Pain-free distance"),
             ("median-max", "Median, max" if short else "14-day median, maximum"),
             ("median-pain-free", "Median, pain-free" if short else "14-day median, pain-free")]
    if threshold_m > 0:
        walks.append(("threshold", fmt_m(threshold_m) + ("" if short else " (Fontaine IIa/IIb)")))
    walks.append(("flag", "Flagged"))
    signs = [("rest-pain", "Rest pain"), ("wound", "Wound" if short else "Wound or ulcer"),
             ("colour", "Colour" if short else "Colour change: pale, blue, black"),
             ("sudden", "Sudden" if short else "Sudden change")]
    rows: list[list[tuple[str, str]]] = []
    for group in (walks, signs):
        used = float(width)  # forces a new row for each group
        for kind, label in group:
            item = _item_width(label)
            if used + item > width - 16:
                rows.append([])
                used = 8.0
            rows[-1].append((kind, label))
            used += item
    return rows


# The legend is read at a glance beside the plot: larger than the axis labels.
LEGEND_FONT = 12
LEGEND_ROW_H = 18


def _item_width(label: str) -> float:
    return 20 + 5 + len(label) * LEGEND_FONT * 0.62 + 12


def legend(rows: list[list[tuple[str, str]]], y0: float) -> str:
    out = [f'<g class="legend" fill="#222222" font-size="{LEGEND_FONT}">']
    for r, row in enumerate(rows):
        x, y = 8.0, y0 + LEGEND_ROW_H * r
        for kind, label in row:
            out.append(f'<g class="legend-item {kind}">{_icon(kind, x, y - 3.5)}'
                       f'<text x="{n(x + 25)}" y="{n(y)}">{esc(label)}</text></g>')
            x += _item_width(label)
    out.append("</g>")
    return "".join(out)
