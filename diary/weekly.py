"""The weekly summary: one per patient per ISO week in the clinic's time zone.

Pure computation from a patient's entries, flags and notes; ``diary.exports``
loads the data and writes the files. A week runs from Monday 00:00 to the next
Monday 00:00 local time, so across a daylight-saving change it is 167 or 169
hours long, as the clinic lived it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from diary import severity, signs
from diary.entries import CheckIn, ColourChange, Walk
from diary.trend import TrendConfig
from diary.trend.distance import MAXIMUM, PAIN_FREE, best_baselines
from diary.trend.timeline import Timeline, since_healed
from diary.trend.tissue_loss import wound_episode

CHART_WEEKS = 12
SESSION_TARGET = 3  # supervised exercise: at least 3 sessions a week (NICE CG147)
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Week:
    """An ISO week in a time zone: ``Week.parse("2026-W47", "Europe/London")``."""

    year: int
    number: int
    timezone: str

    @classmethod
    def parse(cls, text: str, timezone: str) -> Week:
        match = WEEK_PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{text!r}: {year} has no week {number}") from None
        return cls(year, number, timezone)

    @classmethod
    def containing(cls, when: datetime, timezone: str) -> Week:
        year, number, _ = when.astimezone(ZoneInfo(timezone)).isocalendar()
        return cls(year, number, timezone)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(0), tzinfo=ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=ZoneInfo(self.timezone))

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=1), self.timezone)

    def following(self) -> Week:
        return Week.containing(self.end + timedelta(hours=1), self.timezone)

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def describe(self) -> str:
        last = self.monday + timedelta(days=6)
        return f"{self.label} ({self.monday:%d %b} to {last:%d %b %Y})"

    @property
    def dates(self) -> str:
        """Monday to Sunday as people write it: "23–29 Nov 2026", "30 Nov – 6 Dec 2026"."""
        first, last = self.monday, self.monday + timedelta(days=6)
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day}–{last.day} {last:%b %Y}"


@dataclass(frozen=True)
class FlagLine:
    rule: str
    severity: str
    status: str
    message: str
    raised_at: datetime
    raised_this_week: bool


@dataclass(frozen=True)
class Note:
    at: datetime
    author: str
    text: str


@dataclass
class PatientWeek:
    patient_id: int
    name: str
    clinic_number: str
    week: Week
    walks: list[Walk]
    check_ins: list[CheckIn]
    flags: list[FlagLine] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # The last CHART_WEEKS weeks up to the end of this week, for the distance chart.
    history: list[Walk | CheckIn] = field(default_factory=list)
    walk_count: int = 0
    days_walked: int = 0
    target_met: bool = False
    total_distance_m: float = 0.0
    max_median_m: float | None = None
    max_best_m: float | None = None
    pain_free_median_m: float | None = None
    pain_free_best_m: float | None = None
    previous_max_median_m: float | None = None
    previous_pain_free_median_m: float | None = None
    baseline_max_m: float | None = None
    baseline_pain_free_m: float | None = None
    rest_pain_days: int = 0
    wounds_reported: int = 0
    # Each danger sign (diary.signs codes) and on how many entries of the week it was reported.
    signs: dict[str, int] = field(default_factory=dict)
    diabetes: bool | None = None
    relief: dict[str, int] = field(default_factory=dict)
    fontaine: str = "unknown"
    fontaine_basis: str = ""

    @property
    def empty(self) -> bool:
        return not self.walks and not self.check_ins

    @property
    def worst_severity(self) -> str:
        """The worst live (not resolved) flag's severity, or "none"."""
        return severity.worst(f.severity for f in self.flags if f.status != "resolved")

    def change_pct(self, now: float | None, before: float | None) -> int | None:
        if now is None or before is None or before <= 0:
            return None
        return round((now - before) / before * 100)


def _med(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def _local_day(when: datetime, timezone: str) -> date:
    return when.astimezone(ZoneInfo(timezone)).date()


def _tissue_on_record(pw: PatientWeek) -> bool:
    """A wound, or a black toe (gangrene), reported by the end of the week and not since said
    to have healed (diary.signs: tissue loss stays until it has healed). A toe that is only
    blue is not tissue loss on its own."""
    tl = Timeline(pw.history, now=pw.week.end - timedelta(microseconds=1))
    black = since_healed(tl.checkins, lambda c: c.colour_change == ColourChange.black, lambda c: bool(c.colour_healed))
    return bool(wound_episode(tl) or black)


def estimate_fontaine(pw: PatientWeek, threshold_m: float = 200) -> tuple[str, str]:
    """A diary-based estimate of the Fontaine stage, from patient reports only. The stage
    carries the worst tissue sign not yet healed, not only this week's reports."""
    if _tissue_on_record(pw):
        return "IV", "a wound or ulcer, or a black toe, was reported and not since said to have healed"
    if pw.rest_pain_days:
        return "III", f"rest pain was reported on {pw.rest_pain_days} day(s)"
    painful = [w for w in pw.walks if w.pain_onset_m is not None]
    if not pw.walks:
        return "unknown", "no walks were logged"
    if not painful:
        return "I", "walks were logged without leg pain"
    if pw.max_median_m is not None and pw.max_median_m < threshold_m:
        return "IIb", f"median maximum walking distance {pw.max_median_m:.0f} m, under {threshold_m:.0f} m"
    return "IIa", f"claudication with a median maximum walking distance of {pw.max_median_m or 0:.0f} m"


def summarise(
    *, patient_id: int, name: str, clinic_number: str, week: Week, entries: list[Walk | CheckIn],
    flags: list[FlagLine], notes: list[Note], baseline_since: datetime | None = None,
    config: TrendConfig | None = None, diabetes: bool | None = None,
) -> PatientWeek:
    """The week's figures. ``entries`` should cover this week, the previous one and the
    baseline period before them (the last 7 months are enough)."""
    config = config or TrendConfig()
    walks = sorted((e for e in entries if isinstance(e, Walk) and week.contains(e.occurred_at)),
                   key=lambda w: w.occurred_at)
    check_ins = sorted((e for e in entries if isinstance(e, CheckIn) and week.contains(e.occurred_at)),
                       key=lambda c: c.occurred_at)
    previous = week.previous()
    before = [e for e in entries if isinstance(e, Walk) and previous.contains(e.occurred_at)]
    chart_start = week.end - timedelta(weeks=CHART_WEEKS)
    history = sorted((e for e in entries if chart_start <= e.occurred_at < week.end), key=lambda e: e.occurred_at)
    pw = PatientWeek(patient_id=patient_id, name=name, clinic_number=clinic_number, week=week, walks=walks,
                     check_ins=check_ins, flags=flags, notes=notes, history=history, diabetes=diabetes)
    pw.walk_count = len(walks)
    pw.days_walked = len({_local_day(w.occurred_at, week.timezone) for w in walks})
    pw.target_met = pw.days_walked >= SESSION_TARGET
    pw.total_distance_m = sum(w.distance_m for w in walks)
    maxima, pain_free = [MAXIMUM.value(w) for w in walks], [PAIN_FREE.value(w) for w in walks]
    pw.max_median_m, pw.pain_free_median_m = _med(maxima), _med(pain_free)
    pw.max_best_m = max(maxima, default=None)
    pw.pain_free_best_m = max(pain_free, default=None)
    pw.previous_max_median_m = _med([MAXIMUM.value(w) for w in before])
    pw.previous_pain_free_median_m = _med([PAIN_FREE.value(w) for w in before])
    baselines = best_baselines(Timeline(entries, now=week.end, baseline_since=baseline_since), config)
    pw.baseline_max_m = baselines[MAXIMUM.key].median_m if baselines[MAXIMUM.key] else None
    pw.baseline_pain_free_m = baselines[PAIN_FREE.key].median_m if baselines[PAIN_FREE.key] else None
    pw.rest_pain_days = len({_local_day(c.occurred_at, week.timezone) for c in check_ins if signs.rest_pain(c)})
    pw.wounds_reported = sum(1 for c in check_ins if c.wound)
    found = Counter(code for e in [*walks, *check_ins] for code in signs.signs_of(e, diabetes))
    pw.signs = {s.code: found[s.code] for s in signs.SIGNS if found[s.code]}
    pw.relief = dict(Counter(w.relief.value for w in walks if w.relief is not None and w.relief.value != "no_pain"))
    pw.fontaine, pw.fontaine_basis = estimate_fontaine(pw, config.fontaine_threshold_m)
    return pw
