"""The ``diary`` command: serve, scheduler, migrate, create-user, enrol-patient, demo, export, backup, restore,
assess, schema."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from diary import accounts, demo, migrate, patients
from diary.db import make_engine, make_sessionmaker, read_transaction, transaction
from diary.entries import EntryError, json_schema
from diary.models import Role
from server.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"diary: {exc}") from None


def _now() -> datetime:
    return datetime.now(UTC)


async def _with_sessions(settings: Settings, work):  # type: ignore[no-untyped-def]
    engine = make_engine(settings.db_url)
    try:
        return await work(make_sessionmaker(engine, code_key=settings.code_key))
    finally:
        await engine.dispose()


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()
    migrate.upgrade(settings.db_url)
    print("Database is up to date.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = _settings()
    migrate.upgrade(settings.db_url)
    app = create_app(settings, run_scheduler=not args.no_scheduler)
    # What is loaded by now (the app, its libraries, their schemas) lives as long as
    # the server: keep it out of the garbage collector's full passes, which otherwise
    # walk it all every few hundred requests (bench/RESULTS.md).
    gc.collect()
    gc.freeze()
    # A quiet start: this line says where the app is; uvicorn speaks up only for warnings and errors.
    print(f"Walking Diary is running on http://{args.host}:{args.port}/ (press Ctrl+C to stop)", flush=True)
    # X-Forwarded-For and -Proto are believed from the proxies named in DIARY_TRUSTED_PROXIES only
    # (uvicorn's default, 127.0.0.1, let any local process forge the address the limits count).
    proxies = ",".join(settings.trusted_proxies)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or None, server_header=False, access_log=False)
    return 0


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise SystemExit("diary: the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_create_user(args: argparse.Namespace) -> int:
    settings = _settings()
    password = _read_password(f"Password for {args.email}: ")
    migrate.upgrade(settings.db_url)

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with transaction(sessions) as db:
            clinic = await accounts.get_or_create_clinic(db, args.clinic)
            return await accounts.create_user(db, clinic=clinic, role=Role(args.role), email=args.email,
                                              password=password, now=_now(), display_name=args.name or "")

    try:
        user = asyncio.run(_with_sessions(settings, work))
    except accounts.AccountError as exc:
        print(f"diary: {exc.field}: {exc}", file=sys.stderr)
        return 2
    print(f"Created {user.role.value} {user.email} in clinic {args.clinic!r}.")
    return 0


def cmd_enrol_patient(args: argparse.Namespace) -> int:
    settings = _settings()
    migrate.upgrade(settings.db_url)

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with transaction(sessions) as db:
            clinic = await accounts.get_or_create_clinic(db, args.clinic)
            return await patients.enrol_patient(
                db, clinic_id=clinic.id, name=args.name, clinic_number=args.clinic_number, now=_now(),
                code_valid_for=settings.enrolment_code_valid)

    try:
        patient, code = asyncio.run(_with_sessions(settings, work))
    except patients.PatientError as exc:
        print(f"diary: {exc.field}: {exc}", file=sys.stderr)
        return 2
    print(f"Patient {patient.name} ({patient.clinic_number}) enrolled. Enrolment code: {code}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings()
    migrate.upgrade(settings.db_url)
    loaded = asyncio.run(_with_sessions(settings, lambda s: demo.load_demo(s, _now())))
    print("Demo data loaded." if loaded else "Demo data was already loaded; nothing changed.")
    print("Demo sign-ins:")
    for email, password, who in demo.LOGINS:
        print(f"  {email:<28} {password:<16} {who}")
    return 0


def cmd_assess(args: argparse.Namespace) -> int:
    from diary.trend import assess_document_json

    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(f"diary assess: --now {args.now!r} is not an ISO 8601 time", file=sys.stderr)
            return 2
        if now.tzinfo is None:
            print("diary assess: --now needs a UTC offset, e.g. 2026-11-22T09:00:00+00:00", file=sys.stderr)
            return 2
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"diary assess: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        result = assess_document_json(raw, now)
    except EntryError as exc:
        for field, message in exc.problems:
            print(f"diary assess: {field}: {message}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Run only the scheduled jobs, for installs with several web processes."""
    import signal

    from server.scheduler import build_scheduler, clinic_timezones

    settings = _settings()
    migrate.upgrade(settings.db_url)

    async def run() -> None:
        engine = make_engine(settings.db_url)
        sessions = make_sessionmaker(engine, code_key=settings.code_key)
        scheduler = build_scheduler(sessions, settings.data_dir, await clinic_timezones(sessions))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        scheduler.start()
        print("Walking Diary scheduler running (daily trend pass, weekly exports). Ctrl-C to stop.", flush=True)
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await engine.dispose()

    asyncio.run(run())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Produce the weekly files on demand, into --out."""
    from diary import exports
    from diary.weekly import Week

    formats = tuple(dict.fromkeys(args.format or exports.FORMATS))
    unknown = [f for f in formats if f not in exports.FORMATS]
    if unknown:
        print(f"diary export: unknown format {unknown[0]!r}: choose pdf, csv or fhir", file=sys.stderr)
        return 2
    try:
        Week.parse(args.week, "UTC")
    except ValueError as exc:
        print(f"diary export: --week {exc}", file=sys.stderr)
        return 2
    problem = _unwritable(Path(args.out))
    if problem:
        print(f"diary export: --out {args.out}: {problem}", file=sys.stderr)
        return 2
    settings = _settings()
    migrate.upgrade(settings.db_url)

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with transaction(sessions) as db:
            clinics = await exports.clinic_by_name(db, args.clinic)
        written = []
        for clinic in clinics:
            week = Week.parse(args.week, clinic.timezone)
            out = Path(args.out) / (clinic.name if len(clinics) > 1 else "")
            total = len(await exports.patient_ids(sessions, clinic, week))
            with _progress(total, f"{clinic.name} {week.label}") as advance:
                files, _ = await exports.render(sessions, clinic, week, formats, out, _now(), progress=advance)
            written += [out / name for name in files.values()]
        return written

    try:
        written = asyncio.run(_with_sessions(settings, work))
    except exports.ExportError as exc:
        print(f"diary export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the disk filled, a folder was removed meanwhile: nothing half-written stays
        print(f"diary export: could not write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def _unwritable(out: Path) -> str | None:
    """Why files cannot be written into ``out``, or None. It must be an existing directory."""
    if not out.exists():
        return "no such directory (create it first)"
    if not out.is_dir():
        return "not a directory"
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    return None


def _progress(total: int, label: str):  # type: ignore[no-untyped-def]
    """A progress bar on a terminal (rich), nothing when output is piped."""
    from contextlib import contextmanager

    from rich.progress import Progress

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        with Progress(disable=not sys.stderr.isatty(), transient=False) as progress:
            task = progress.add_task(f"Patients, {label}", total=total)
            yield lambda n: progress.update(task, completed=n)

    return bar()


PG_BACKUP_HINT = ("DIARY_DATABASE_URL is a PostgreSQL database: back it up with pg_dump -Fc and restore it "
                  "with pg_restore (see Backups in the README)")


def _sqlite_file(command: str) -> Path | None:
    from diary import backup

    path = backup.sqlite_path(_settings().db_url)
    if path is None:
        print(f"diary {command}: {PG_BACKUP_HINT}", file=sys.stderr)
    return path


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the SQLite database, safe while the app runs."""
    from diary import backup

    db_path = _sqlite_file("backup")
    if db_path is None:
        return 2
    try:
        written = backup.backup(db_path, Path(args.dest), _now())
    except backup.BackupError as exc:
        print(f"diary backup: {exc}", file=sys.stderr)
        return 2
    print(f"Backed up {db_path} to {written} ({written.stat().st_size:,} bytes, integrity check ok).")
    print("Keep DIARY_DATA_DIR/exports/ with it, and DIARY_SECRET_KEY somewhere else.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the SQLite database; the app must be stopped."""
    from diary import backup

    db_path = _sqlite_file("restore")
    if db_path is None:
        return 2
    try:
        restored = backup.restore(Path(args.src), db_path, _now())
    except backup.BackupError as exc:
        print(f"diary restore: {exc}", file=sys.stderr)
        return 2
    print(f"Restored {args.src} (migration {restored.revision}) to {db_path}.")
    if restored.kept_aside:
        print(f"The database that was there is kept as {restored.kept_aside}.")
    print("Start diary serve again: it applies any pending migrations first.")
    return 0


def cmd_audit_log(args: argparse.Namespace) -> int:
    """The audit rows no clinic owns (sign-in failures for unknown emails, ...), as CSV, for the operator."""
    import csv

    from diary import audit
    from diary.exports import safe_cell

    settings = _settings()
    since = _now() - timedelta(days=args.days)

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with read_transaction(sessions) as db:
            return await audit.unattributed(db, since)

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(("at_utc", "action", "address", "detail"))
    for event in asyncio.run(_with_sessions(settings, work)):
        writer.writerow([safe_cell(v) for v in (event.at.isoformat(), event.action, event.address or "",
                                                json.dumps(event.detail, sort_keys=True) if event.detail else "")])
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diary", description="Walking Diary")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="apply migrations, then run the web app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-scheduler", action="store_true",
                   help="do not run scheduled jobs in this process (when another process runs them)")
    p.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(func=cmd_migrate)

    p = sub.add_parser("create-user", help="create a clinician or admin (password from a prompt or stdin)")
    p.add_argument("--role", choices=["clinician", "admin"], required=True)
    p.add_argument("--clinic", required=True, help="clinic name (created if new)")
    p.add_argument("--name", help="display name")
    p.add_argument("email")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("enrol-patient", help="create a patient and print their enrolment code")
    p.add_argument("--clinic", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--clinic-number", required=True)
    p.set_defaults(func=cmd_enrol_patient)

    sub.add_parser("demo", help="load the demo clinics (idempotent)").set_defaults(func=cmd_demo)

    p = sub.add_parser("assess", help="print trend findings for an interchange document")
    p.add_argument("file", help="a JSON file, or - for stdin")
    p.add_argument("--now", help="reference time, ISO 8601 with offset (default: latest entry)")
    p.set_defaults(func=cmd_assess)

    sub.add_parser("scheduler", help="run only the scheduled jobs (use with serve --no-scheduler)").set_defaults(
        func=cmd_scheduler)

    p = sub.add_parser("export", help="write a week's exports (PDF, CSV, FHIR) into a directory")
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    p.add_argument("--clinic", help="clinic name (default: every clinic)")
    p.add_argument("--format", action="append", help="pdf, csv or fhir; repeat for several (default: all)")
    p.add_argument("--out", required=True, help="directory to write into")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("backup", help="copy the SQLite database consistently, while the app runs")
    p.add_argument("dest", help="file to write, or an existing directory to write a dated file into")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="put a backup in place of the SQLite database (stop the server first)")
    p.add_argument("src", help="a file written by diary backup")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("audit-log", help="print the audit rows no clinic owns (failed sign-ins for unknown "
                                         "emails, refused invitations) as CSV, for the operator")
    p.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    p.set_defaults(func=cmd_audit_log)

    p = sub.add_parser("schema", help="print the JSON Schema of the interchange format")
    p.add_argument("--out", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
