"""The SVG walking-distance chart: parsed with ElementTree and checked for behaviour."""

from __future__ import annotations

import random
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diary.chart import Chart, distance_chart, rolling_medians
from diary.entries import CheckIn, ColourChange, Walk

NS = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 9, 1, tzinfo=UTC)
END = datetime(2026, 11, 30, 12, tzinfo=UTC)


def uid(k: int) -> uuid.UUID:
    return uuid.UUID(int=k)


def walk(k: int, day: float, distance: float = 300, onset: float | None = 150, **kw) -> Walk:
    return Walk(id=uid(k), walked_at=START + timedelta(days=day, hours=10), distance_m=distance,
                pain_onset_m=onset, **kw)


def checkin(k: int, day: float, **kw) -> CheckIn:
    return CheckIn(id=uid(k), recorded_at=START + timedelta(days=day, hours=9), **kw)


def chart(walks=(), check_ins=(), **kw) -> tuple[Chart, ET.Element]:
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    result = distance_chart(list(walks), list(check_ins), **kw)
    return result, ET.fromstring(result.svg)


def marks(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(NS + "g") if kind in g.get("class", "").split() and "mark" in g.get("class", "").split()]


def y_scale(root: ET.Element):
    """Metres -> y, read back from the y-axis labels (text baseline sits 3.5 below the tick)."""
    axis = next(g for g in root.iter(NS + "g") if g.get("class") == "y-axis")
    labels = {t.text: float(t.get("y")) - 3.5 for t in axis}
    top_label = list(labels)[-1]
    top_m = float(top_label.split()[0]) * (1000 if top_label.endswith("km") else 1)
    zero = labels["0 m"]
    return lambda m: zero + (labels[top_label] - zero) * m / top_m


def x_labels(root: ET.Element) -> list[str]:
    axis = next(g for g in root.iter(NS + "g") if g.get("class") == "x-axis")
    return [t.text for t in axis]


SAMPLE_WALKS = [walk(i + 1, 2 * i, 300 - 3 * i, 120 + i) for i in range(40)]
SAMPLE_CHECKINS = [
    checkin(100, 5), checkin(101, 40, rest_pain=True), checkin(102, 50, rest_pain=True, rest_pain_at_night=True),
    checkin(103, 60, wound=True, wound_days=4), checkin(104, 70, colour_change=ColourChange.blue),
    checkin(105, 80, sudden_onset=True),
]


def test_well_formed_with_accessible_name_and_description():
    result, root = chart(SAMPLE_WALKS, SAMPLE_CHECKINS, title="Mrs Smith")
    assert root.tag == NS + "svg"
    assert root.get("role") == "img"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("720", "360", "0 0 720 360")
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    assert title.text == "Mrs Smith" and desc.text == result.summary
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]


def test_one_max_and_one_pain_free_mark_per_walk_in_range_only():
    outside = [walk(900, -3), walk(901, 95)]
    _, root = chart(SAMPLE_WALKS + outside)
    inside = {str(w.id) for w in SAMPLE_WALKS}
    for kind in ("max", "pain-free"):
        found = [g.get("data-entry") for g in marks(root, kind)]
        assert sorted(found) == sorted(inside)
    max_shapes = {child.tag for g in marks(root, "max") for child in g if child.tag != NS + "title"}
    pf_shapes = {child.tag for g in marks(root, "pain-free") for child in g if child.tag != NS + "title"}
    assert max_shapes == {NS + "circle"} and pf_shapes == {NS + "rect"}


def test_each_mark_has_a_title_with_date_and_value_at_the_right_height():
    w = walk(1, 10, distance=400, onset=100)
    _, root = chart([w])
    y = y_scale(root)
    (mx,), (pf,) = marks(root, "max"), marks(root, "pain-free")
    assert mx.find(NS + "title").text == "11 Sep 2026, 11:00: maximum distance 400 m"
    assert pf.find(NS + "title").text == "11 Sep 2026, 11:00: pain-free distance: pain began at 100 m"
    assert float(mx.find(NS + "circle").get("cy")) == pytest.approx(y(400), abs=0.11)
    rect = pf.find(NS + "rect")
    assert float(rect.get("y")) + 3.5 == pytest.approx(y(100), abs=0.11)


def test_a_walk_without_pain_puts_pain_free_at_the_full_distance():
    _, root = chart([walk(1, 10, distance=250, onset=None)])
    (pf,) = marks(root, "pain-free")
    assert "no pain, 250 m" in pf.find(NS + "title").text
    assert float(pf.find(NS + "rect").get("y")) + 3.5 == pytest.approx(y_scale(root)(250), abs=0.11)


def test_flagged_entries_are_ringed_and_classed():
    flagged = {str(SAMPLE_WALKS[3].id), str(SAMPLE_CHECKINS[1].id)}
    result, root = chart(SAMPLE_WALKS, SAMPLE_CHECKINS, flagged=flagged)
    for g in root.iter(NS + "g"):
        if "mark" not in g.get("class", "").split():
            continue
        is_flagged = g.get("data-entry") in flagged
        assert ("flagged" in g.get("class").split()) == is_flagged
        rings = [c for c in g.findall(NS + "circle") if c.get("fill") == "none"]
        assert len(rings) == (1 if is_flagged else 0)
        assert g.find(NS + "title").text.endswith("(flagged)") == is_flagged
    assert len([g for g in marks(root, "flagged")]) == 3  # max, pain-free, one check-in mark
    assert "1 flagged walk and 1 flagged check-in." in result.summary


def test_threshold_line_is_dashed_and_labelled_at_200_m():
    _, root = chart(SAMPLE_WALKS)
    g = next(g for g in root.iter(NS + "g") if g.get("class") == "threshold")
    line, label = g.find(NS + "line"), g.find(NS + "text")
    assert line.get("stroke-dasharray")
    assert float(line.get("y1")) == float(line.get("y2")) == pytest.approx(y_scale(root)(200), abs=0.11)
    assert label.text == "200 m"
    assert float(label.get("y")) == pytest.approx(float(line.get("y1")) + 3.5, abs=0.11)


def test_y_axis_reaches_above_the_threshold_and_the_largest_walk():
    _, root = chart([walk(1, 3, distance=50, onset=20)])
    assert y_scale(root)(250) == pytest.approx(float(root.find(f"{NS}g[@class='y-axis']")[-1].get("y")) - 3.5)
    labels = [t.text for t in root.find(f"{NS}g[@class='y-axis']")]
    assert labels[0] == "0 m" and labels[-1] == "250 m"
    _, root = chart([walk(1, 3, distance=1400, onset=900)])
    labels = [t.text for t in root.find(f"{NS}g[@class='y-axis']")]
    assert "1 km" in labels and labels[-1] in ("1.6 km", "2 km")


def test_a_custom_threshold_moves_the_line_and_label():
    _, root = chart(SAMPLE_WALKS, threshold_m=150)
    g = next(g for g in root.iter(NS + "g") if g.get("class") == "threshold")
    assert g.find(NS + "text").text == "150 m"
    assert float(g.find(NS + "line").get("y1")) == pytest.approx(y_scale(root)(150), abs=0.11)


def test_rolling_median_uses_the_trailing_14_days_and_needs_3_walks():
    times = [START + timedelta(days=d) for d in (0, 1, 2, 3, 20, 30)]
    assert rolling_medians(times, [100, 200, 300, 400, 500, 600]) == [None, None, 200, 250, None, None]
    # The window is (t - 14 d, t]: a walk exactly 14 days earlier is out.
    times = [START + timedelta(days=d) for d in (0, 7, 14, 14)]
    assert rolling_medians(times, [100, 200, 300, 400]) == [None, None, 300, 300]


def test_median_lines_drawn_with_three_walks_and_not_with_two():
    _, root = chart([walk(1, 1), walk(2, 2)])
    assert root.find(f".//{NS}path[@class='median max']") is None
    _, root = chart([walk(1, 1, 300, 100), walk(2, 2, 300, 100), walk(3, 3, 300, 100)])
    mx, pf = root.find(f".//{NS}path[@class='median max']"), root.find(f".//{NS}path[@class='median pain-free']")
    assert mx is not None and pf is not None
    assert mx.get("stroke-dasharray") != pf.get("stroke-dasharray")
    ys = [float(v) for v in re.findall(r" (-?[\d.]+)", mx.get("d"))]
    assert ys and all(v == pytest.approx(y_scale(root)(300), abs=0.11) for v in ys)


def test_median_line_follows_the_walks_and_breaks_over_a_gap():
    walks = [walk(i, i, 300) for i in range(1, 6)] + [walk(i, i + 40, 300) for i in range(6, 11)]
    _, root = chart(walks)
    d = root.find(f".//{NS}path[@class='median max']").get("d")
    assert d.count("M") == 2 and d.count("L") == 4  # two runs of three defined medians


def test_check_in_markers_for_each_sign():
    _, root = chart([], SAMPLE_CHECKINS)
    found = {(g.get("data-entry"), g.get("class")): g.find(NS + "title").text
             for g in root.iter(NS + "g") if "mark" in g.get("class", "").split()}
    assert found == {
        (str(uid(101)), "mark rest-pain"): "11 Oct 2026, 10:00: rest pain",
        (str(uid(102)), "mark rest-pain"): "21 Oct 2026, 10:00: rest pain at night",
        (str(uid(103)), "mark wound"): "31 Oct 2026, 09:00: wound or ulcer, 4 days",
        (str(uid(104)), "mark colour"): "10 Nov 2026, 09:00: colour change: blue",
        (str(uid(105)), "mark sudden"): "20 Nov 2026, 09:00: sudden change in the leg",
    }


def test_check_ins_share_the_time_axis_and_sit_in_lanes_below_the_plot():
    w = walk(1, 30)
    c = CheckIn(id=uid(2), recorded_at=w.walked_at, rest_pain=True, wound=True, sudden_onset=True)
    _, root = chart([w], [c])
    dot = marks(root, "max")[0].find(NS + "circle")
    rest = marks(root, "rest-pain")[0].find(NS + "circle")
    assert rest.get("cx") == dot.get("cx")
    zero_y = y_scale(root)(0)
    lane_ys = [float(rest.get("cy"))] + [
        sum(float(p.split(",")[1]) for p in marks(root, k)[0].find(NS + "polygon").get("points").split()) / n
        for k, n in (("wound", 4), ("sudden", 3))
    ]
    assert zero_y < lane_ys[0] < lane_ys[1] < lane_ys[2]


def test_one_check_in_with_several_signs_gets_a_mark_in_each_lane():
    c = checkin(7, 20, rest_pain=True, wound=True, colour_change=ColourChange.black)
    _, root = chart([], [c])
    assert sorted(g.get("class") for g in root.iter(NS + "g") if g.get("data-entry") == str(c.id)) == [
        "mark colour", "mark rest-pain", "mark wound"]
    colour = marks(root, "colour")[0].find(NS + "rect")
    assert colour.get("fill") == "#111111"


def test_check_ins_outside_the_period_are_dropped():
    _, root = chart([], [checkin(1, -1, rest_pain=True), checkin(2, 91, wound=True)])
    assert [g for g in root.iter(NS + "g") if g.get("data-entry")] == []


def test_no_style_script_or_external_reference_anywhere():
    result, root = chart(SAMPLE_WALKS, SAMPLE_CHECKINS, flagged={str(SAMPLE_WALKS[0].id)})
    allowed = {"svg", "g", "title", "desc", "path", "line", "circle", "rect", "polygon", "text"}
    for el in root.iter():
        assert el.tag.removeprefix(NS) in allowed
        assert "style" not in el.attrib
        assert not any("href" in a or a.startswith("on") for a in el.attrib)
    lowered = result.svg.lower()
    for bad in ("<style", "style=", "<script", "url(", "@import", "javascript:", "<image", "<foreignobject"):
        assert bad not in lowered
    assert lowered.count("http") == 1  # the xmlns only


def test_text_is_escaped():
    result, root = chart(SAMPLE_WALKS, title='A & B <x> "q"')
    assert "A &amp; B &lt;x&gt;" in result.svg
    assert root.find(NS + "title").text == 'A & B <x> "q"'
    assert 'A & B <x> "q"' in [t.text for t in root.iter(NS + "text")]


def test_no_walks_still_draws_a_chart_that_says_so():
    result, root = chart([], [checkin(1, 3, wound=True)])
    texts = [t.text for t in root.iter(NS + "text")]
    assert "No walks logged in this period" in texts
    assert result.summary.startswith("No walks logged from 1 Sep to 30 Nov 2026.")
    assert "1 check-in: wound or ulcer on 1." in result.summary
    assert marks(root, "max") == [] and root.find(f".//{NS}path[@class='median max']") is None
    assert root.find(f".//{NS}g[@class='threshold']") is not None


def test_summary_quotes_the_numbers():
    walks = [walk(1, 80, 300, 100), walk(2, 82, 180, 120), walk(3, 84, 150, 90), walk(4, 10, 400, None)]
    result, _ = chart(walks, SAMPLE_CHECKINS, flagged={str(uid(2))})
    assert result.summary == (
        "Walks from 1 Sep to 30 Nov 2026: 4 walks. 14-day median to the last walk (24 Nov): maximum walking "
        "distance 180 m, pain-free 100 m. Maximum distance ranged from 150 m to 400 m. 2 of 4 walks had a maximum distance under 200 m. "
        "1 flagged walk. 6 check-ins: rest pain on 2; wound or ulcer on 1; colour change on 1 (blue); "
        "sudden change on 1."
    )


def test_summary_when_the_last_walk_has_too_few_for_a_median():
    result, _ = chart([walk(1, 3), walk(2, 40)], [checkin(3, 5)])
    assert "Too few walks for a 14-day median at the last walk (needs 3)." in result.summary
    assert "1 check-in, none reporting rest pain, a wound, colour change or sudden change." in result.summary


def test_timezone_changes_dates_in_titles_and_ticks():
    late = Walk(id=uid(1), walked_at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC), distance_m=300)
    start, end = datetime(2026, 10, 31, 23, 30, tzinfo=UTC), datetime(2026, 11, 7, 23, 30, tzinfo=UTC)
    _, london = chart([late], start=start, end=end, timezone="Europe/London")
    _, berlin = chart([late], start=start, end=end, timezone="Europe/Berlin")
    assert marks(london, "max")[0].find(NS + "title").text.startswith("31 Oct 2026, 23:30:")
    assert marks(berlin, "max")[0].find(NS + "title").text.startswith("1 Nov 2026, 00:30:")
    assert x_labels(london) == [f"{d} Nov" for d in range(1, 8)]
    assert x_labels(berlin) == [f"{d} Nov" for d in range(2, 9)]


def test_tick_spacing_follows_the_span():
    _, root = chart(start=datetime(2026, 9, 1, tzinfo=UTC), end=datetime(2026, 10, 31, tzinfo=UTC))
    assert x_labels(root) == ["7 Sep", "14 Sep", "21 Sep", "28 Sep", "5 Oct", "12 Oct", "19 Oct", "26 Oct"]  # Mondays
    _, root = chart(start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 12, 31, tzinfo=UTC))
    assert x_labels(root) == ["Jan 2026", "Mar", "May", "Jul", "Sep", "Nov"]
    _, root = chart(start=datetime(2026, 11, 1, tzinfo=UTC), end=datetime(2027, 5, 1, tzinfo=UTC))
    assert x_labels(root) == ["Nov 2026", "Dec", "Jan 2027", "Feb", "Mar", "Apr", "May"]


def test_output_is_deterministic_and_ignores_input_order():
    flagged = [str(SAMPLE_WALKS[5].id)]
    first = distance_chart(SAMPLE_WALKS, SAMPLE_CHECKINS, start=START, end=END, flagged=flagged)
    shuffled_w, shuffled_c = SAMPLE_WALKS[:], SAMPLE_CHECKINS[:]
    random.Random(3).shuffle(shuffled_w)
    random.Random(4).shuffle(shuffled_c)
    again = distance_chart(shuffled_w, shuffled_c, start=START, end=END, flagged=set(flagged))
    assert first == again


def test_coordinates_are_rounded_to_one_decimal():
    svg = chart(SAMPLE_WALKS, SAMPLE_CHECKINS)[0].svg
    numbers = re.findall(r'(?:x|y|x1|x2|y1|y2|cx|cy|width|height|points|d)="([^"]*)"', svg)
    assert numbers and not any(re.search(r"\d\.\d\d", v) for v in numbers)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="end must be after start"):
        distance_chart([], [], start=END, end=START)
    with pytest.raises(ValueError, match="height"):
        distance_chart([], [], start=START, end=END, height=200)


def test_a_thousand_walks_all_get_a_mark():
    # How fast it renders is the benchmark's business (bench/), not a test's.
    walks = [walk(i + 1, i * 0.09, 100 + i % 400, 50 + i % 50) for i in range(1000)]
    result = distance_chart(walks, SAMPLE_CHECKINS, start=START, end=END)
    assert len(marks(ET.fromstring(result.svg), "max")) == 1000


@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(st.floats(-10, 100), max_size=40),
    distances=st.lists(st.floats(0, 5000), min_size=40, max_size=40),
    width=st.integers(400, 1200),
    height=st.integers(300, 800),
)
def test_any_diary_gives_a_well_formed_chart_inside_its_view_box(days, distances, width, height):
    walks = [walk(i + 1, d, distances[i], distances[i] / 2) for i, d in enumerate(days)]
    result, root = chart(walks, width=width, height=height)
    inside = sum(START <= w.walked_at <= END for w in walks)
    assert len(marks(root, "max")) == len(marks(root, "pain-free")) == inside
    for el in root.iter():
        for attr in ("cx", "x", "x1", "x2"):
            if attr in el.attrib:
                assert 0 <= float(el.get(attr)) <= width
        for attr in ("cy", "y", "y1", "y2"):
            if attr in el.attrib:
                assert 0 <= float(el.get(attr)) <= height
