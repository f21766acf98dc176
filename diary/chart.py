"""A server-rendered SVG chart of one patient's walking distances, with a text summary.

``distance_chart`` is a pure function: entries in, a :class:`Chart` (SVG string
and plain-text summary) out. No I/O, no clock, no web framework.

What the chart shows:

* Every walk from ``start`` to ``end`` (both inclusive; entries outside are
  dropped) as two marks on one time axis: maximum walking distance
  (``distance_m``) as a filled circle, pain-free distance (``pain_onset_m``,
  or ``distance_m`` when pain never came) as a hollow square. A walk without
  pain therefore shows its circle inside its square.
* A rolling median line for each: at each walk, the median of the walks in
  the trailing 14 days ``(t - 14 d, t]``, drawn only where that window holds at
  least 3 walks. Window and minimum are ``TrendConfig().recent_days`` and
  ``min_recent_walks``, the same evidence the trend rules ask for, so the
  line at the latest walk is the number the rules would use when
  ``end`` is now. Only walks within the chart's period count (what the line
  summarises is what is drawn), so the first days of a period may have no
  line. A run of a single defined median is drawn as a short level dash.
  Maximum: solid line; pain-free: long dashes.
* The Fontaine IIa/IIb threshold (``threshold_m``, 200 m) as a dotted line,
  labelled; entries whose id is in ``flagged`` ringed and ``class="flagged"``.
* Check-ins with danger signs in a strip of four labelled lanes below the
  plot on the same time axis: rest pain (circle), wound or ulcer (diamond),
  colour change (square filled pale, blue or black), sudden change (triangle).

Dates are shown in ``timezone``. The SVG uses presentation attributes only (no
``<style>``, ``style=``, scripts, fonts or external references), so it is
safe under a strict Content Security Policy; it uses only ``g``, ``path``,
``line``, ``circle``, ``rect``, ``polygon``, ``text``, ``title`` and ``desc``
so fpdf2 can draw it into a PDF. Same input, same string.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from diary import _svg
from diary._svg import LANES, MAX_COLOUR, PF_COLOUR, fmt_m, local_day, n, x_ticks
from diary.entries import CheckIn, Walk
from diary.trend.config import TrendConfig
from diary.trend.distance import MAXIMUM, PAIN_FREE
from diary.trend.timeline import Timeline, plural, to_utc

_CFG = TrendConfig()
WINDOW = timedelta(days=_CFG.recent_days)
MIN_WALKS = _CFG.min_recent_walks
LANE_H = 12


@dataclass(frozen=True)
class Chart:
    svg: str  # a complete <svg ...>...</svg> element
    summary: str  # the text alternative: what the chart shows, quoting numbers


def rolling_medians(times: Sequence[datetime], values: Sequence[float]) -> list[float | None]:
    """At each walk, the median of the walks in ``(t - 14 d, t]``; None with fewer than 3."""
    out: list[float | None] = []
    for t in times:
        lo, hi = bisect_right(times, t - WINDOW), bisect_right(times, t)
        out.append(median(values[lo:hi]) if hi - lo >= MIN_WALKS else None)
    return out


def distance_chart(
    walks: Sequence[Walk], check_ins: Sequence[CheckIn], *, start: datetime, end: datetime,
    timezone: str = "Europe/London", flagged: Collection[str] = (), threshold_m: float = 200,
    width: int = 720, height: int = 360, title: str = "Walking distance",
) -> Chart:
    """Render the chart.

    Raises ValueError when ``end <= start``, ``width < 400``, or ``height`` leaves the
    plot under 100 px (a height of about 280 is enough); ZoneInfoNotFoundError for
    an unknown ``timezone``.
    """
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        raise ValueError("end must be after start")
    if width < 400:
        raise ValueError("the chart needs a width of at least 400")
    zone = ZoneInfo(timezone)
    flagged = {str(f) for f in flagged}
    tl = Timeline([*walks, *check_ins], end)
    w_lo = bisect_left(tl.walk_times, start)
    ws, wt = tl.walks[w_lo:], tl.walk_times[w_lo:]
    c_lo = bisect_left(tl.checkin_times, start)
    cs, ct = tl.checkins[c_lo:], tl.checkin_times[c_lo:]
    mx = [MAXIMUM.value(w) for w in ws]
    pf = [PAIN_FREE.value(w) for w in ws]
    med_mx, med_pf = rolling_medians(wt, mx), rolling_medians(wt, pf)
    summary = _summary(ws, cs, wt, mx, med_mx, med_pf, flagged, start, end, zone, threshold_m)

    legend_rows = _svg.legend_rows(width, threshold_m)
    left, right, top = 62.0, width - 48.0, 30.0  # the threshold label sits right of the plot
    strip_h = LANE_H * len(LANES)
    legend_h = _svg.LEGEND_ROW_H * len(legend_rows)
    axis_y = height - 6 - legend_h - 18  # baseline of the date labels
    strip_top = axis_y - 14 - strip_h
    bottom = strip_top - 8
    if bottom - top < 100:
        raise ValueError(f"a height of {height} leaves too little room to plot; use at least {height + 100 - int(bottom - top)}")
    span = (end - start).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - start).total_seconds() / span * (right - left)

    ymax, ysteps = _svg.nice_axis(max([*mx, threshold_m, 10.0]) * 1.1)

    def y(v: float) -> float:
        return bottom - v / ymax * (bottom - top)

    key = hashlib.sha1(f"{title}|{start}|{end}|{summary}|{width}x{height}".encode()).hexdigest()[:10]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="wd-{key}-t wd-{key}-d" '
        f'font-family="sans-serif" font-size="10">',
        f'<title id="wd-{key}-t">{_svg.esc(title)}</title>',
        f'<desc id="wd-{key}-d">{_svg.esc(summary)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{n(left)}" y="18" font-size="14" font-weight="bold" fill="#222222">{_svg.esc(title)}</text>',
    ]
    # Grid, axes and tick labels.
    out.append('<g class="grid" stroke="#e4e4e4" stroke-width="1">')
    for i in range(1, ysteps + 1):
        out.append(f'<line x1="{n(left)}" y1="{n(y(ymax * i / ysteps))}" x2="{n(right)}" y2="{n(y(ymax * i / ysteps))}"/>')
    ticks = x_ticks(start, end, zone, max(2, int((right - left) // 64)))
    for t, _ in ticks:
        out.append(f'<line x1="{n(x(t))}" y1="{n(top)}" x2="{n(x(t))}" y2="{n(strip_top + strip_h)}"/>')
    out.append("</g>")
    out.append('<g class="y-axis" fill="#444444" text-anchor="end">')
    for i in range(ysteps + 1):
        v = ymax * i / ysteps
        out.append(f'<text x="{n(left - 5)}" y="{n(y(v) + 3.5)}">{fmt_m(v)}</text>')
    out.append("</g>")
    out.append('<g class="x-axis" fill="#444444" text-anchor="middle">')
    for t, label in ticks:
        out.append(f'<text x="{n(x(t))}" y="{n(axis_y)}">{_svg.esc(label)}</text>')
    out.append("</g>")
    out.append(f'<path d="M{n(left)} {n(top)}V{n(bottom)}H{n(right)}" fill="none" stroke="#888888" stroke-width="1"/>')
    if threshold_m > 0:
        ty = n(y(threshold_m))
        out.append(
            f'<g class="threshold"><line x1="{n(left)}" y1="{ty}" x2="{n(right)}" y2="{ty}" stroke="#555555" '
            f'stroke-width="1.2" stroke-dasharray="2 3"/><text x="{n(right + 4)}" y="{n(y(threshold_m) + 3.5)}" '
            f'fill="#333333">{fmt_m(threshold_m)}</text></g>'
        )
    if not ws:
        out.append(
            f'<text class="empty" x="{n((left + right) / 2)}" y="{n((top + bottom) / 2)}" text-anchor="middle" '
            f'font-size="13" fill="#444444">No walks logged in this period</text>'
        )
    # Median lines, then the walk marks on top.
    xs = [x(t) for t in wt]
    for med, cls, colour, dash in (
        (med_mx, "max", MAX_COLOUR, ""), (med_pf, "pain-free", PF_COLOUR, ' stroke-dasharray="8 4"'),
    ):
        d = _svg.polyline(xs, [None if v is None else y(v) for v in med])
        if d:
            out.append(f'<path class="median {cls}" d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
    whens = [_when(t, zone) for t in wt]
    ests = [" (estimated from minutes walked)" if w.distance_estimated else "" for w in ws]
    for i, w in enumerate(ws):  # pain-free first, so the maximum marks sit on top
        words = f"pain began at {fmt_m(pf[i])}" if w.pain_onset_m is not None else f"no pain, {fmt_m(pf[i])}"
        out.append(_svg.walk_mark("pain-free", w, xs[i], y(pf[i]), f"{whens[i]}: pain-free distance: {words}{ests[i]}", flagged))
    for i, w in enumerate(ws):
        stop = ", stopped by pain" if w.stopped_by_pain else ""
        out.append(_svg.walk_mark("max", w, xs[i], y(mx[i]), f"{whens[i]}: maximum distance {fmt_m(mx[i])}{stop}{ests[i]}", flagged))
    # Check-in strip.
    out.append('<g class="checkins">')
    for lane, (cls, label, _, _) in enumerate(LANES):
        ly = strip_top + LANE_H * lane + LANE_H / 2
        out.append(
            f'<line x1="{n(left)}" y1="{n(ly)}" x2="{n(right)}" y2="{n(ly)}" stroke="#eeeeee" stroke-width="1"/>'
            f'<text x="{n(left - 5)}" y="{n(ly + 3)}" text-anchor="end" font-size="9" fill="#444444">{label}</text>'
        )
    for c, t in zip(cs, ct):
        for lane, (cls, _, _, says) in enumerate(LANES):
            words = says(c)
            if words:
                ly = strip_top + LANE_H * lane + LANE_H / 2
                out.append(_svg.checkin_mark(cls, c, x(t), ly, f"{_when(t, zone)}: {words}", flagged))
    out.append("</g>")
    out.append(_svg.legend(legend_rows, height - 6 - legend_h + 10))
    out.append("</svg>")
    return Chart(svg="".join(out), summary=summary)


def _when(t: datetime, zone: ZoneInfo) -> str:
    return f"{local_day(t, zone, year=True)}, {t.astimezone(zone):%H:%M}"


def _summary(ws, cs, wt, mx, med_mx, med_pf, flagged, start, end, zone, threshold_m) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    period = f"from {local_day(start, zone, year=a.year != b.year)} to {local_day(end, zone, year=True)}"
    if a.date() == b.date():
        period = f"on {local_day(end, zone, year=True)}"
    if not ws:
        parts = [f"No walks logged {period}."]
    else:
        parts = [f"Walks {period}: {plural(len(ws), 'walk')}."]
        if med_mx[-1] is not None and med_pf[-1] is not None:
            parts.append(
                f"{WINDOW.days}-day median to the last walk ({local_day(wt[-1], zone)}): maximum walking distance "
                f"{fmt_m(med_mx[-1])}, pain-free {fmt_m(med_pf[-1])}."
            )
        else:
            parts.append(f"Too few walks for a {WINDOW.days}-day median at the last walk (needs {MIN_WALKS}).")
        parts.append(f"Maximum distance ranged from {fmt_m(min(mx))} to {fmt_m(max(mx))}.")
        if threshold_m > 0:
            under = sum(v < threshold_m for v in mx)
            parts.append(f"{under} of {plural(len(ws), 'walk')} had a maximum distance under {fmt_m(threshold_m)}.")
        estimated = sum(w.distance_estimated for w in ws)
        if estimated:
            parts.append(f"{plural(estimated, 'walk')} had distances estimated from minutes walked.")
    n_flag_w = sum(str(w.id) in flagged for w in ws)
    n_flag_c = sum(str(c.id) in flagged for c in cs)
    if n_flag_w or n_flag_c:
        flags = [plural(k, f"flagged {what}") for k, what in ((n_flag_w, "walk"), (n_flag_c, "check-in")) if k]
        parts.append(" and ".join(flags) + ".")
    if not cs:
        parts.append("No check-ins in this period.")
    else:
        found = []
        for cls, _, noun, says in LANES:
            hits = [c for c in cs if says(c)]
            if hits:
                colours = sorted({c.colour_change.value for c in hits}) if cls == "colour" else []
                found.append(f"{noun} on {len(hits)}" + (f" ({', '.join(colours)})" if colours else ""))
        if found:
            parts.append(f"{plural(len(cs), 'check-in')}: " + "; ".join(found) + ".")
        else:
            parts.append(f"{plural(len(cs), 'check-in')}, none reporting rest pain, a wound, colour change or sudden change.")
    return " ".join(parts)
