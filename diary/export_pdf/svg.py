"""The chart: diary.chart's SVG, simplified for fpdf2."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from diary.chart import distance_chart
from diary.weekly import CHART_WEEKS, PatientWeek

from .text import safe_text

__all__ = ["CHART_PX", "CHART_THRESHOLD_M", "chart_image", "svg_for_fpdf"]

CHART_PX = (720, 360)  # diary.chart's default size, as on the dashboard
CHART_THRESHOLD_M = 200

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
