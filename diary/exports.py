"""Weekly exports: gather each patient's week, write PDF, CSV and FHIR, record the run.

Files are written under a temporary name and renamed into place, and the
database record lists them only once every file is complete, so a download
never finds a half-written file. The (clinic, week) row is claimed atomically:
an INSERT that does nothing on conflict, or a conditional UPDATE that takes
over a failed run or a stale one; the unique constraint decides the winner.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from diary import audit, signs, store
from diary.db import transaction
from diary.entries import CheckIn, Walk
from diary.flags import LIVE
from diary.models import Clinic, EntryRow, Flag, FlagEvent, Patient, User, WeeklyExport
from diary.weekly import FlagLine, Note, PatientWeek, Week, summarise

log = logging.getLogger("diary.exports")
FORMATS = ("pdf", "csv", "fhir")
HISTORY = timedelta(days=220)   # this week, the previous one, the baseline period before them
STALE_CLAIM = timedelta(hours=2)  # a run claimed this long ago without finishing has died
CATCH_UP_WEEKS = 12
SUMMARY_COLUMNS = (
    "clinic", "week", "week_start", "week_end", "patient_id", "clinic_number", "name", "walks", "days_walked",
    "session_target_met", "total_distance_m", "max_median_m", "max_best_m", "pain_free_median_m",
    "pain_free_best_m", "max_change_vs_previous_week_pct", "pain_free_change_vs_previous_week_pct",
    "baseline_max_m", "baseline_pain_free_m", "max_change_vs_baseline_pct", "pain_free_change_vs_baseline_pct",
    "rest_pain_days", "wounds_reported", "danger_signs", "relief_stood_still", "relief_sat_down", "relief_bent_forward",
    "relief_lay_down", "relief_not_relieved", "open_flags", "worst_open_flag", "flags_raised_this_week",
    "fontaine_estimate_diary_based", "clinician_notes",
)
ENTRY_COLUMNS = (
    "clinic_number", "patient_id", "type", "id", "time", "distance_m", "pain_onset_m", "stopped_by_pain",
    "relief", "relief_minutes", "pain_sites", "side", "sensations", "terrain", "pain_score", "source",
    "duration_min", "pain_onset_min", "distance_estimated", "rest_pain", "rest_pain_at_night",
    "eased_by_hanging_leg", "wound", "wound_days", "colour_change", "cold_foot", "sudden_onset", "note",
    # Added with the danger signs: appended, so a reader by position still finds the columns above.
    "wound_healed", "infection_signs", "colour_healed", "numb_foot", "sudden_onset_days_ago", "heart_symptoms",
    "cauda_equina_signs", "danger_signs", "received_at",
)


_ASKED_LISTS = ("infection_signs", "heart_symptoms", "cauda_equina_signs")


class ExportError(ValueError):
    """Bad input to an export (unknown week, clinic or format): the message says which."""


# --- gathering -------------------------------------------------------------------


async def clinic_by_name(session: AsyncSession, name: str | None) -> list[Clinic]:
    query = select(Clinic).order_by(Clinic.name)
    if name is not None:
        query = query.where(Clinic.name == name)
    clinics = list((await session.execute(query)).scalars())
    if name is not None and not clinics:
        raise ExportError(f"no clinic named {name!r}")
    return clinics


async def _flag_lines(session: AsyncSession, patient_id: int, week: Week) -> list[FlagLine]:
    """Flags raised in the week or still open during it."""
    query = select(Flag).where(
        Flag.patient_id == patient_id, Flag.raised_at < week.end,
        or_(Flag.status.in_(LIVE), Flag.status_changed_at >= week.start),
    ).order_by(Flag.raised_at)
    return [FlagLine(rule=f.rule, severity=f.severity, status=f.status.value, message=f.message,
                     raised_at=f.raised_at, raised_this_week=week.contains(f.raised_at))
            for f in (await session.execute(query)).scalars()]


async def _notes(session: AsyncSession, patient_id: int, week: Week) -> list[Note]:
    query = (select(FlagEvent, User).join(Flag, Flag.id == FlagEvent.flag_id)
             .outerjoin(User, User.id == FlagEvent.by_user_id)
             .where(Flag.patient_id == patient_id, FlagEvent.note != "", FlagEvent.at >= week.start,
                    FlagEvent.at < week.end).order_by(FlagEvent.at))
    return [Note(at=e.at, author=(u.display_name or u.email) if u else "system", text=e.note)
            for e, u in (await session.execute(query)).all()]


async def patient_week(session: AsyncSession, patient: Patient, week: Week) -> PatientWeek:
    entries = [e for e in await store.entries_since(session, patient.id, week.end - HISTORY)
               if e.occurred_at < week.end]
    return summarise(patient_id=patient.id, name=patient.name, clinic_number=patient.clinic_number, week=week,
                     entries=entries, flags=await _flag_lines(session, patient.id, week),
                     notes=await _notes(session, patient.id, week), baseline_since=patient.baseline_since,
                     diabetes=patient.diabetes)


async def patient_ids(sessions: async_sessionmaker[AsyncSession], clinic: Clinic, week: Week) -> list[int]:
    """Every patient of the clinic enrolled by the end of the week, or with entries in it
    (entries imported later), by name."""
    in_week = select(EntryRow.id).where(EntryRow.patient_id == Patient.id, EntryRow.occurred_at >= week.start,
                                        EntryRow.occurred_at < week.end).exists()
    async with transaction(sessions) as db:
        return list((await db.execute(select(Patient.id).where(
            Patient.clinic_id == clinic.id, Patient.erased_at.is_(None), or_(Patient.created_at < week.end, in_week))
            .order_by(Patient.name, Patient.id))).scalars())


async def load_week(sessions: async_sessionmaker[AsyncSession], patient_id: int, week: Week) -> PatientWeek:
    """One patient's week, in a short transaction of its own."""
    async with transaction(sessions) as db:
        return await patient_week(db, await db.get(Patient, patient_id), week)


# --- CSV -------------------------------------------------------------------------


def safe_cell(value: object) -> object:
    """Free text that a spreadsheet would run as a formula is quoted (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _round(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def summary_row(clinic: Clinic, pw: PatientWeek) -> dict[str, object]:
    live = [f for f in pw.flags if f.status != "resolved"]
    return {
        "clinic": clinic.name, "week": pw.week.label, "week_start": pw.week.start.isoformat(),
        "week_end": pw.week.end.isoformat(), "patient_id": pw.patient_id, "clinic_number": pw.clinic_number,
        "name": pw.name, "walks": pw.walk_count, "days_walked": pw.days_walked,
        "session_target_met": "yes" if pw.target_met else "no", "total_distance_m": _round(pw.total_distance_m),
        "max_median_m": _round(pw.max_median_m), "max_best_m": _round(pw.max_best_m),
        "pain_free_median_m": _round(pw.pain_free_median_m), "pain_free_best_m": _round(pw.pain_free_best_m),
        "max_change_vs_previous_week_pct": pw.change_pct(pw.max_median_m, pw.previous_max_median_m),
        "pain_free_change_vs_previous_week_pct": pw.change_pct(pw.pain_free_median_m, pw.previous_pain_free_median_m),
        "baseline_max_m": _round(pw.baseline_max_m), "baseline_pain_free_m": _round(pw.baseline_pain_free_m),
        "max_change_vs_baseline_pct": pw.change_pct(pw.max_median_m, pw.baseline_max_m),
        "pain_free_change_vs_baseline_pct": pw.change_pct(pw.pain_free_median_m, pw.baseline_pain_free_m),
        "rest_pain_days": pw.rest_pain_days, "wounds_reported": pw.wounds_reported,
        "danger_signs": "; ".join(f"{code} {n}" for code, n in pw.signs.items()),
        **{f"relief_{k}": pw.relief.get(k, 0) for k in ("stood_still", "sat_down", "bent_forward", "lay_down",
                                                         "not_relieved")},
        "open_flags": len(live), "worst_open_flag": pw.worst_severity,
        "flags_raised_this_week": "; ".join(f"{f.severity} {f.rule}" for f in pw.flags if f.raised_this_week),
        "fontaine_estimate_diary_based": pw.fontaine,
        "clinician_notes": " | ".join(f"{n.at:%Y-%m-%d} {n.author}: {n.text}" for n in pw.notes),
    }


def entry_row(pw: PatientWeek, entry: Walk | CheckIn) -> dict[str, object]:
    """One entry as CSV: each answer as given (a list joined by ";", "" where not asked,
    an explicit [] as "none"), and the danger signs it reports (diary.signs codes)."""
    data = entry.model_dump(mode="json")
    time = data.pop("walked_at", None) or data.pop("recorded_at", None)
    if entry.clock_offset_s:  # when it happened: the phone's time corrected for its clock
        time = entry.occurred_at.isoformat()
    row: dict[str, object] = {"clinic_number": pw.clinic_number, "patient_id": pw.patient_id, "time": time}
    for key, value in data.items():
        if key in ENTRY_COLUMNS:
            if isinstance(value, list):  # a tick-any answer: "none" when the patient ticked none of them
                value = ";".join(value) or ("none" if key in _ASKED_LISTS else "")
            row[key] = value
    row["danger_signs"] = ";".join(signs.signs_of(entry, pw.diabetes))
    return row


# --- files -----------------------------------------------------------------------


class AtomicFile:
    """A file written under a temporary name, flushed to disk, then renamed into
    place by ``commit``: a reader never finds it half-written."""

    def __init__(self, path: Path, mode: str = "w", **kwargs: object):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.temp = path, path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self.handle = open(self.temp, mode, **kwargs)  # noqa: SIM115 (closed in commit/abort)

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temp, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.temp.unlink(missing_ok=True)


class _Writers:
    """The CSV and FHIR files of one export, fed one patient at a time."""

    def __init__(self, clinic: Clinic, week: Week, formats: tuple[str, ...], out: Path, produced_at: datetime):
        from diary.export_fhir import patient_bundle

        self.clinic, self.produced_at, self.bundle = clinic, produced_at, patient_bundle
        stem = f"walking-diary-{week.label}"
        self.names: dict[str, str] = {}
        self.files: list[AtomicFile] = []
        self.summary = self.entries = self.fhir = None
        if "csv" in formats:
            self.names.update(csv=f"{stem}-summary.csv", entries_csv=f"{stem}-entries.csv")
            self.summary = self._csv(out / self.names["csv"], SUMMARY_COLUMNS)
            self.entries = self._csv(out / self.names["entries_csv"], ENTRY_COLUMNS)
        if "fhir" in formats:
            self.names["fhir"] = f"{stem}-fhir.ndjson"
            self.fhir = AtomicFile(out / self.names["fhir"], "w", encoding="utf-8")
            self.files.append(self.fhir)
        if "pdf" in formats:
            self.names["pdf"] = f"{stem}.pdf"

    def _csv(self, path: Path, columns: tuple[str, ...]) -> csv.DictWriter:
        # utf-8-sig: a BOM so spreadsheets read accented names as UTF-8.
        target = AtomicFile(path, "w", encoding="utf-8-sig", newline="")
        self.files.append(target)
        writer = csv.DictWriter(target.handle, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        return writer

    def add(self, pw: PatientWeek) -> None:
        if self.summary is not None:
            self.summary.writerow({k: safe_cell(v) for k, v in summary_row(self.clinic, pw).items()})
            for entry in sorted(pw.walks + pw.check_ins, key=lambda e: e.occurred_at):
                self.entries.writerow({k: safe_cell(v) for k, v in entry_row(pw, entry).items()})
        if self.fhir is not None:
            bundle = self.bundle(pw, clinic_name=self.clinic.name, birth_date=None, produced_at=self.produced_at)
            self.fhir.handle.write(json.dumps(bundle, separators=(",", ":")) + "\n")

    def commit(self) -> None:
        for target in self.files:
            target.commit()

    def abort(self) -> None:
        for target in self.files:
            target.abort()


async def _audit(sessions: async_sessionmaker[AsyncSession], action: str, clinic: Clinic, week: Week,
                 at: datetime, **detail: object) -> None:
    async with transaction(sessions) as db:
        await audit.record(db, action=action, now=at, clinic_id=clinic.id,
                           detail={"clinic": clinic.name, "week": week.label, **detail})


async def render(
    sessions: async_sessionmaker[AsyncSession], clinic: Clinic, week: Week, formats: tuple[str, ...], out: Path,
    produced_at: datetime, progress: Callable[[int], None] | None = None, source: str = "command",
) -> tuple[dict[str, str], int]:
    """Write the chosen formats into ``out`` in one pass over the patients, holding one
    patient's week in memory at a time. Returns (format -> file name, patients).

    Each export is audited, ``export.generated`` or ``export.failed`` (with the
    error's type only: its message might quote health data). ``source`` says
    who asked: the weekly ``schedule`` or the ``diary export`` command."""
    try:
        names, count = await _render(sessions, clinic, week, formats, out, produced_at, progress)
    except Exception as exc:
        await _audit(sessions, "export.failed", clinic, week, produced_at, formats=list(formats), source=source,
                     error=type(exc).__name__)
        raise
    await _audit(sessions, "export.generated", clinic, week, produced_at, formats=list(formats), source=source,
                 patients=count, files=sorted(names.values()))
    return names, count


async def _render(
    sessions: async_sessionmaker[AsyncSession], clinic: Clinic, week: Week, formats: tuple[str, ...], out: Path,
    produced_at: datetime, progress: Callable[[int], None] | None,
) -> tuple[dict[str, str], int]:
    from diary.export_pdf import cover_order, write_clinic_pdf

    ids = await patient_ids(sessions, clinic, week)
    out.mkdir(parents=True, exist_ok=True)  # every writer's folder, the PDF's included
    writers = _Writers(clinic, week, formats, out, produced_at)
    try:
        if "pdf" in formats:
            # The cover orders patients by flag severity; pages follow that order.
            order = [pw.patient_id for pw in cover_order([await _light(sessions, i, week) for i in ids])]
            loop = asyncio.get_running_loop()

            def weeks() -> Iterator[PatientWeek]:  # runs in the PDF thread, loads on the event loop
                for patient_id in order:
                    pw = asyncio.run_coroutine_threadsafe(load_week(sessions, patient_id, week), loop).result()
                    writers.add(pw)
                    yield pw

            await asyncio.to_thread(write_clinic_pdf, out / writers.names["pdf"], clinic.name, week, weeks(),
                                    produced_at, progress, count=len(order), clinic_phone=clinic.phone)
        else:
            for done, patient_id in enumerate(ids, start=1):
                writers.add(await load_week(sessions, patient_id, week))
                if progress:
                    progress(done)
    except BaseException:
        writers.abort()
        raise
    writers.commit()
    return writers.names, len(ids)


async def _light(sessions: async_sessionmaker[AsyncSession], patient_id: int, week: Week) -> PatientWeek:
    """What the cover's ordering needs (name, flags), without the entries."""
    async with transaction(sessions) as db:
        patient = await db.get(Patient, patient_id)
        return PatientWeek(patient_id=patient.id, name=patient.name, clinic_number=patient.clinic_number,
                           week=week, walks=[], check_ins=[], flags=await _flag_lines(db, patient.id, week))


def export_dir(data_dir: Path, clinic_id: int, week: Week) -> Path:
    return data_dir / "exports" / str(clinic_id) / week.label


# --- claiming and running ------------------------------------------------------------


async def claim(session: AsyncSession, clinic_id: int, week: Week, now: datetime, worker: str) -> bool:
    """True if this worker now owns the (clinic, week) export; at most one does."""
    values = dict(clinic_id=clinic_id, week=week.label, status="running", claimed_at=now, claimed_by=worker,
                  attempts=1, files={}, patients=0, error="")
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(WeeklyExport).values(**values).on_conflict_do_nothing(index_elements=["clinic_id", "week"]))
    if created.rowcount == 1:
        return True
    taken = await session.execute(
        update(WeeklyExport)
        .where(WeeklyExport.clinic_id == clinic_id, WeeklyExport.week == week.label,
               or_(WeeklyExport.status == "failed",
                   and_(WeeklyExport.status == "running", WeeklyExport.claimed_at < now - STALE_CLAIM)))
        .values(status="running", claimed_at=now, claimed_by=worker, attempts=WeeklyExport.attempts + 1, error=""))
    return taken.rowcount == 1


async def _finish(sessions: async_sessionmaker[AsyncSession], clinic_id: int, week: Week, worker: str,
                  **values: object) -> None:
    async with transaction(sessions) as db:
        await db.execute(update(WeeklyExport).where(
            WeeklyExport.clinic_id == clinic_id, WeeklyExport.week == week.label,
            WeeklyExport.claimed_by == worker).values(**values))


async def run_export(
    sessions: async_sessionmaker[AsyncSession], data_dir: Path, clinic: Clinic, week: Week, now: datetime,
    worker: str, progress: Callable[[int], None] | None = None,
) -> bool:
    """Claim and produce one clinic-week. False if another worker has it (or it is done)."""
    async with transaction(sessions) as db:
        if not await claim(db, clinic.id, week, now, worker):
            return False
    try:
        files, count = await render(sessions, clinic, week, FORMATS, export_dir(data_dir, clinic.id, week), now,
                                    progress, source="schedule")
    except Exception as exc:
        await _finish(sessions, clinic.id, week, worker, status="failed", finished_at=now,
                      error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    await _finish(sessions, clinic.id, week, worker, status="done", finished_at=now, files=files,
                  patients=count)
    return True


def due_weeks(clinic: Clinic, now: datetime, first_activity: datetime | None, done: set[str]) -> list[Week]:
    """Complete weeks whose export is due (Monday 06:00 local has passed) and not done,
    oldest first, going back at most CATCH_UP_WEEKS, and never before the clinic's first entry."""
    current = Week.containing(now, clinic.timezone)
    last = current.previous()
    if now < current.start + timedelta(hours=6):
        last = last.previous()
    weeks, week = [], last
    for _ in range(CATCH_UP_WEEKS):
        if first_activity is not None and week.end <= first_activity:
            break
        if week.label not in done:
            weeks.append(week)
        week = week.previous()
    return list(reversed(weeks)) if first_activity is not None else []


async def run_due_exports(
    sessions: async_sessionmaker[AsyncSession], data_dir: Path, now: datetime, worker: str,
    timezone: str | None = None,
) -> list[tuple[str, str]]:
    """The scheduled job: every due (clinic, week) not yet done, including missed weeks."""
    ran: list[tuple[str, str]] = []
    async with transaction(sessions) as db:
        clinics = await clinic_by_name(db, None)
    for clinic in clinics:
        if timezone is not None and clinic.timezone != timezone:
            continue
        async with transaction(sessions) as db:
            first = (await db.execute(select(func.min(EntryRow.occurred_at)).join(
                Patient, Patient.id == EntryRow.patient_id).where(Patient.clinic_id == clinic.id))).scalar()
            done = set((await db.execute(select(WeeklyExport.week).where(
                WeeklyExport.clinic_id == clinic.id, WeeklyExport.status == "done"))).scalars())
        for week in due_weeks(clinic, now, first, done):
            try:
                if await run_export(sessions, data_dir, clinic, week, now, worker):
                    ran.append((clinic.name, week.label))
            except Exception:  # recorded as failed on its row; retried on the next run
                log.exception("weekly export of %s %s failed", clinic.name, week.label)
    return ran


async def stored_exports(session: AsyncSession, clinic_id: int) -> list[WeeklyExport]:
    query = select(WeeklyExport).where(WeeklyExport.clinic_id == clinic_id).order_by(WeeklyExport.week.desc())
    return list((await session.execute(query)).scalars())


async def stored_export(session: AsyncSession, clinic_id: int, week_label: str) -> WeeklyExport | None:
    query = select(WeeklyExport).where(WeeklyExport.clinic_id == clinic_id, WeeklyExport.week == week_label,
                                       WeeklyExport.status == "done")
    return (await session.execute(query)).scalar_one_or_none()
