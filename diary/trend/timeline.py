"""The patient's entries put in a fixed order, and the windows the rules read.

Conventions shared by every rule (documented in docs/clinical-rules.md):

* Instants are compared in UTC; a naive datetime passed as ``now`` or
  ``baseline_since`` is taken to be UTC.
* Every window is half-open, ``(start, end]``: an entry exactly at the end
  belongs to it, one exactly at the start belongs to the window before. So the
  recent window ``(now - 14 d, now]`` includes an entry logged at ``now``.
* Entries after ``now`` are ignored.
* Entries are ordered by (instant, id), so the order they arrive in never
  changes a result; an id given twice keeps one copy, chosen by content.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from diary.entries import CheckIn, PatientInfo, Walk

Entry = Walk | CheckIn


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_date(value: datetime) -> date:
    return to_utc(value).date()


def calendar_days(first: datetime, last: datetime) -> int:
    """Whole UTC calendar days from one report to another (same day = 0)."""
    return (utc_date(last) - utc_date(first)).days


def fmt_date(value: datetime) -> str:
    d = utc_date(value)
    return f"{d.day} {d:%b %Y}"


def fmt_m(value: float) -> str:
    return f"{value:.0f} m"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def _dedupe(entries: Iterable[Entry]) -> dict[uuid.UUID, Entry]:
    """The entries by id. (UUIDs order as their text does, so sorting by either agrees.)"""
    by_id: dict[uuid.UUID, Entry] = {}
    for entry in entries:
        key = entry.id
        kept = by_id.get(key)
        # The same id twice should not happen (parse_document refuses it), but
        # when it does the copy kept must not depend on the input order.
        if kept is None or entry.model_dump_json() > kept.model_dump_json():
            by_id[key] = entry
    return by_id


class Timeline:
    """Entries up to ``now``, sorted, with cheap window look-ups."""

    def __init__(self, entries: Iterable[Entry], now: datetime, baseline_since: datetime | None = None,
                 patient: PatientInfo | None = None):
        self.now = to_utc(now)
        self.patient = patient or PatientInfo()
        self.baseline_since = to_utc(baseline_since) if baseline_since is not None else None
        dated = []
        for key, entry in _dedupe(entries).items():
            at = to_utc(entry.occurred_at)
            if at <= self.now:
                dated.append((at, key, entry))
        dated.sort(key=lambda item: (item[0], item[1]))
        self.entries: list[Entry] = [e for _, _, e in dated]
        self.times: list[datetime] = [t for t, _, _ in dated]
        self._time_of: dict[uuid.UUID, datetime] = {i: t for t, i, _ in dated}
        self.walks: list[Walk] = [e for e in self.entries if isinstance(e, Walk)]
        self.walk_times: list[datetime] = [self.time_of(w) for w in self.walks]
        self.checkins: list[CheckIn] = [e for e in self.entries if isinstance(e, CheckIn)]
        self.checkin_times: list[datetime] = [self.time_of(c) for c in self.checkins]
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Derived data several rules read (the baselines), built once."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def time_of(self, entry: Entry) -> datetime:
        return self._time_of[entry.id]

    def reported_at(self, entry: Entry) -> datetime:
        """When the entry reached the diary (``received_at``), else when it was made: a
        report that waited on a phone counts from its arrival."""
        made = self.time_of(entry)
        if entry.received_at is None:
            return made
        received = to_utc(entry.received_at)
        return received if made <= received <= self.now else made

    def walks_in(self, start: datetime, end: datetime) -> list[Walk]:
        return _between(self.walks, self.walk_times, start, end)

    def checkins_in(self, start: datetime, end: datetime) -> list[CheckIn]:
        return _between(self.checkins, self.checkin_times, start, end)

    def entries_in(self, start: datetime, end: datetime) -> list[Entry]:
        return _between(self.entries, self.times, start, end)

    def ids(self, entries: Iterable[Entry]) -> tuple[str, ...]:
        """Ids in entry-time order, each once."""
        unique = {e.id: e for e in entries}
        return tuple(str(i) for i in sorted(unique, key=lambda i: (self._time_of[i], i)))

    def current_run(self, predicate: Callable[[CheckIn], bool | None], lookback: timedelta) -> list[CheckIn]:
        """The check-ins of the sign's current episode, oldest first.

        The episode is the run of consecutive check-ins reporting the sign that
        ends with the latest check-in. It is empty when the latest check-in does
        not report the sign (the sign has stopped), or when that report is older
        than ``lookback`` (nothing current is known). Two reports further apart
        than ``lookback`` with no check-in between are separate episodes,
        because nothing says the sign lasted through the silence. Check-ins at
        the same instant count as one report, positive if any of them is.
        A check-in that does not answer (the predicate gives None) is silent:
        it neither ends the episode nor joins it.
        """
        groups = _same_instant_groups(self.checkins, self.checkin_times)
        run: list[CheckIn] = []
        later: datetime | None = None
        for at, group in reversed(groups):
            answers = [predicate(c) for c in group]
            positive = [c for c, yes in zip(group, answers) if yes]
            if not positive and all(a is None for a in answers):
                continue
            if not positive:
                break
            if later is None and self.now - at >= lookback:
                break
            if later is not None and later - at > lookback:
                break
            run[:0] = positive
            later = at
        return run


def since_healed(checkins: Iterable[CheckIn], present: Callable[[CheckIn], bool],
                 healed: Callable[[CheckIn], bool]) -> list[CheckIn]:
    """The reports of a sign since the patient last said it had healed, oldest first.

    Only a statement that it has healed ends it: a check-in that leaves the
    question unanswered, or a long silence, never does (tissue loss does not
    heal in days, and silence is not health)."""
    run: list[CheckIn] = []
    for checkin in checkins:
        if healed(checkin):
            run = []
        if present(checkin):
            run.append(checkin)
    return run


def _between(items: Sequence, times: Sequence[datetime], start: datetime, end: datetime) -> list:
    return list(items[bisect_right(times, start):bisect_right(times, end)])


def _same_instant_groups(items: Sequence[CheckIn], times: Sequence[datetime]) -> list[tuple[datetime, list[CheckIn]]]:
    groups: list[tuple[datetime, list[CheckIn]]] = []
    for at, item in zip(times, items):
        if groups and groups[-1][0] == at:
            groups[-1][1].append(item)
        else:
            groups.append((at, [item]))
    return groups
