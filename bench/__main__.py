"""The benchmark: ``python -m bench [--quick]`` (``make bench``, ``make bench-quick``).

For each backend (SQLite; PostgreSQL too when ``DIARY_TEST_POSTGRES_URL`` is set):
build a clinic (bench/generate.py), start the real app (``diary serve``, uvicorn) and
the floor app (bench/floor.py) on loopback, drive both with wrk, measure the trend
cost, the phone page's bytes and the weekly export, and add the figures, as ratios
to the floor and against their targets, to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import export_run, generate, load, phone, profile_summary, report, servers, trend_cost
from bench.report import Figure

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
PG_ENV = "DIARY_TEST_POSTGRES_URL"
WRITERS = 32          # concurrent clients logging walks (the figure)
READERS = 4           # concurrent clinicians reading the queue and patient pages
SIGNED_IN = 32        # patients signed in for the write load, taken in turn
GiB = 2**30


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- databases --------------------------------------------------------------------


async def _pg(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", admin_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(admin_url: str, name: str) -> str:
    base = re.sub(r"^postgresql\+\w+://", "postgresql://", admin_url)
    return re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", base, count=1)


def sqlite_database(work: Path, patients: int, walks: int, reuse: bool) -> tuple[str, Path | None]:
    """A fresh SQLite file; with ``reuse`` a copy of the pristine one an earlier run built."""
    db = work / "diary.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    pristine = WORK / f"pristine-{patients}-{walks}.sqlite3"
    if reuse and pristine.exists():
        shutil.copy(pristine, db)
        return f"sqlite:///{db}", None
    return f"sqlite:///{db}", pristine


# --- one backend --------------------------------------------------------------------


def _sessions_file(path: Path, signed: list[servers.SignedIn]) -> Path:
    return load.write_sessions(path, [(s.cookie_header(), s.token) for s in signed])


def _profiled(app: servers.Server, out: Path, seconds: float, run) -> list[str]:  # type: ignore[no-untyped-def]
    """Run ``run()`` (a load) with py-spy sampling the app; the app's own hottest frames."""
    spy = subprocess.Popen([shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                            "record", "-p", str(app.process.pid), "-o", str(out), "-f", "raw",
                            "-d", str(int(seconds) + 1), "-r", "100", "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run()
    finally:
        spy.wait(timeout=seconds + 60)
    if not out.exists():
        return ["(py-spy could not attach; run as root or with ptrace allowed)"]
    summary = profile_summary.summarise(out, top=10)
    return [f"{v:.0f}% {n}" for n, v in summary["innermost_app_frame"]]


def _load(server: servers.Server, name: str, script: str, args: list[str], clients: int,
          seconds: float) -> load.Load:
    """One load on ``server``, then wait for it to finish what was sent."""
    result = load.wrk(name, server.base, script, args, clients, seconds)
    server.drain()
    return result


def run_backend(backend: str, db_url: str, pristine: Path | None, work: Path, args: argparse.Namespace,
                now: datetime) -> tuple[list[Figure], list[str], dict[str, Any]]:
    raw: dict[str, Any] = {"backend": backend}
    notes: list[str] = []
    if pristine is not None or backend == "postgresql":
        log(f"{backend}: building {args.patients:,} patients, {args.walks:,} walks")
        built = asyncio.run(generate.build(db_url, args.patients, args.walks, now=now, log=log))
        raw["built"] = {k: v for k, v in asdict(built).items() if k != "patient_ids"}
        if pristine is not None:
            shutil.copy(Path(db_url.removeprefix("sqlite:///")), pristine)
            raw["built"]["url"] = str(pristine)
    else:
        built = generate.Built(url=db_url)
        raw["built"] = {"reused": True}
    first = _first_patient(db_url)
    ids = list(range(first, first + args.patients))
    short_id, long_id, floor_id = first + args.patients, first + args.patients + 1, first + args.patients + 2
    info = raw["built"]
    notes.append(f"- Clinic: {args.patients:,} patients, {info.get('walks', 0):,} walks, "
                 f"{info.get('check_ins', 0):,} check-ins ({_kinds(info)}); built in "
                 f"{info.get('seconds', {}).get('total', 0):.0f} s" if not info.get("reused") else
                 f"- Clinic: {args.patients:,} patients, {args.walks:,} walks (a copy of the one built earlier)")

    app = servers.app_server(work, db_url).start()
    floor = servers.floor_server(work, db_url).start()
    figures: list[Figure] = []
    try:
        idle_rss = app.rss()
        log("signing in")
        patients = [servers.sign_in(app.base, generate.patient_email(i), generate.PASSWORD, "/diary")
                    for i in range(SIGNED_IN)]
        clinician = servers.sign_in(app.base, generate.CLINICIAN, generate.PASSWORD, "/clinic")
        writers = _sessions_file(work / "patients.tsv", patients)
        readers = _sessions_file(work / "clinician.tsv", [clinician])
        secs = args.seconds

        log(f"writes: floor, app, floor ({secs:g} s each, {WRITERS} clients)")
        floor_put = [_load(floor, "floor insert", "put_walk.lua", ["-", f"/floor/patients/{floor_id}/entries/"],
                              WRITERS, secs)]
        app_put = _load(app, "log a walk", "put_walk.lua", [str(writers), "/api/v1/entries/"], WRITERS, secs)
        floor_put.append(_load(floor, "floor insert", "put_walk.lua",
                                  ["-", f"/floor/patients/{floor_id}/entries/"], WRITERS, secs))
        floor_rps = sum(f.rps for f in floor_put) / len(floor_put)
        floor_p99 = sum(f.p99_ms for f in floor_put) / len(floor_put)

        log(f"reads ({READERS} clients)")
        sample = ids[:: max(1, len(ids) // 200)][:200]
        floor_paths = work / "floor_paths.txt"
        floor_paths.write_text("".join(f"/floor/patients/{i}/walks\n" for i in sample))
        page_paths = work / "patient_paths.txt"
        page_paths.write_text("".join(f"/clinic/patients/{i}\n" for i in sample))
        queue_paths = work / "queue_paths.txt"
        queue_paths.write_text("/clinic\n")
        floor_get = _load(floor, "floor select", "get.lua", ["-", str(floor_paths)], READERS, secs)
        queue = _load(app, "review queue", "get.lua", [str(readers), str(queue_paths)], READERS, secs)
        page = _load(app, "patient page", "get.lua", [str(readers), str(page_paths)], READERS, secs)
        floor_get2 = _load(floor, "floor select", "get.lua", ["-", str(floor_paths)], READERS, secs)
        # One clinician at a time: the latency a person at the desk sees. The loads
        # above keep 4 requests always waiting, so their p95 is mostly the queue.
        queue_one = _load(app, "review queue, one client", "get.lua", [str(readers), str(queue_paths)], 1, secs)
        page_one = _load(app, "patient page, one client", "get.lua", [str(readers), str(page_paths)], 1, secs)
        floor_p95 = (floor_get.p95_ms + floor_get2.p95_ms) / 2

        log("trend cost: 10 walks of history against 10,000")
        repeats = 10 if args.quick else 30
        short_ms, long_ms = asyncio.run(trend_cost.domain_ms(db_url, (short_id, long_id), repeats))
        short_in = servers.sign_in(app.base, generate.patient_email(args.patients), generate.PASSWORD,
                                   "/diary")
        long_in = servers.sign_in(app.base, generate.patient_email(args.patients + 1),
                                  generate.PASSWORD, "/diary")
        short_http, long_http = trend_cost.http_ms(app.base, (short_in, long_in), repeats)

        phone_bytes = None
        if not args.skip_phone and phone.CHROMIUM.exists():
            log("phone page bytes (chromium)")
            phone_bytes = phone.measure(app.port, servers.sign_in(
                app.base, generate.patient_email(SIGNED_IN + 1), generate.PASSWORD, "/diary"))

        write_ratio = app_put.rps / floor_rps if floor_rps else 0.0
        missed_write = write_ratio < 0.40 or app_put.p99_ms >= 50
        profiles: dict[str, list[str]] = {}
        if not args.no_profile:
            prof_secs = max(3.0, secs / 2)
            if missed_write:
                log("profiling the write load (py-spy)")
                profiles["log a walk"] = _profiled(app, work / "profile-put.txt", prof_secs, lambda: _load(
                    app, "profiled", "put_walk.lua", [str(writers), "/api/v1/entries/"], WRITERS, prof_secs))
            for name, result, paths in (("review queue", queue, queue_paths), ("patient page", page, page_paths)):
                if result.p95_ms >= 100:
                    log(f"profiling the {name} (py-spy)")
                    profiles[name] = _profiled(app, work / f"profile-{name.replace(' ', '-')}.txt", prof_secs,
                                               lambda p=paths: _load(app, "profiled", "get.lua",
                                                                        [str(readers), str(p)], READERS, prof_secs))
    finally:
        app.stop()
        floor.stop()
    peak_rss = app.peak_rss

    export = None
    if not args.skip_export:
        log("weekly export of the whole clinic (diary export, on a terminal)")
        out = work / "exports"
        shutil.rmtree(out, ignore_errors=True)
        export = export_run.run_export(work, db_url, out, export_run.last_week(now))

    # --- figures -------------------------------------------------------------------
    def ms(x: float) -> str:
        return f"{x:.1f} ms"

    errors = app_put.status_errors + app_put.socket_errors
    figures += [
        Figure("Log a walk: throughput, 32 clients", f"{app_put.rps:.0f}/s (floor insert {floor_rps:.0f}/s)",
               "at least 40% of the floor", write_ratio >= 0.40, f"{write_ratio:.0%}", "write_ratio",
               round(write_ratio, 3)),
        Figure("Log a walk: p99 latency, 32 clients", f"{ms(app_put.p99_ms)} (p50 {ms(app_put.p50_ms)}; "
               f"floor p99 {ms(floor_p99)})", "under 50 ms", app_put.p99_ms < 50,
               f"{app_put.p99_ms / floor_p99:.1f}x" if floor_p99 else "", "write_p99_ms", app_put.p99_ms),
        Figure("Log a walk: answers not 201", f"{errors} of {app_put.requests}", "none", errors == 0, "",
               "write_errors", errors),
        Figure(f"Review queue (/clinic): p95, {READERS} clients", f"{ms(queue.p95_ms)} ({queue.rps:.0f}/s; "
               f"floor select p95 {ms(floor_p95)})", "under 100 ms", queue.p95_ms < 100,
               f"{queue.p95_ms / floor_p95:.1f}x" if floor_p95 else "", "queue_p95_ms", queue.p95_ms),
        Figure(f"Patient page: p95, {READERS} clients", f"{ms(page.p95_ms)} ({page.rps:.0f}/s)", "under 100 ms",
               page.p95_ms < 100, f"{page.p95_ms / floor_p95:.1f}x" if floor_p95 else "", "page_p95_ms",
               page.p95_ms),
        Figure("Review queue (/clinic): p95, one client", f"{ms(queue_one.p95_ms)} ({queue_one.rps:.0f}/s)",
               "under 100 ms", queue_one.p95_ms < 100, "", "queue1_p95_ms", queue_one.p95_ms),
        Figure("Patient page: p95, one client", f"{ms(page_one.p95_ms)} ({page_one.rps:.0f}/s)",
               "under 100 ms", page_one.p95_ms < 100, "", "page1_p95_ms", page_one.p95_ms),
        Figure("Trend cost of a new walk, in-process: 10,000 walks vs 10", f"{ms(long_ms)} vs {ms(short_ms)}",
               "within 1.5x", long_ms / short_ms <= 1.5, f"{long_ms / short_ms:.2f}x", "trend_ratio",
               round(long_ms / short_ms, 3)),
        Figure("Trend cost of a new walk, one PUT at a time: 10,000 vs 10", f"{ms(long_http)} vs {ms(short_http)}",
               "within 1.5x", long_http / short_http <= 1.5, f"{long_http / short_http:.2f}x", "trend_http_ratio",
               round(long_http / short_http, 3)),
        Figure("Peak memory of the app process (whole run, under load)", f"{peak_rss / 2**20:.0f} MiB "
               f"(idle after start {idle_rss / 2**20:.0f} MiB)", "", None, "", "app_peak_mib",
               round(peak_rss / 2**20)),
    ]
    if export is not None:
        figures += [
            Figure(f"Weekly export, {args.patients:,} patients, PDF+CSV+FHIR: wall time",
                   f"{export.seconds:.0f} s ({export.files} files, {export.bytes_written / 2**20:.0f} MiB)",
                   "under 10 minutes", export.seconds < 600 and export.exit_code == 0, "", "export_s", export.seconds),
            Figure("Weekly export: peak memory", f"{export.peak_rss / 2**20:.0f} MiB", "under 1 GiB",
                   export.peak_rss < GiB, "", "export_peak_mib", round(export.peak_rss / 2**20)),
        ]
        notes.append(f"- Export of {export.week}: exit {export.exit_code}; the progress bar at the end: "
                     f"`{export.progress}`")
    if phone_bytes is not None:
        first, repeat = phone_bytes.first, phone_bytes.repeat
        figures += [
            Figure("Phone page, first load: the page and its resources (DevTools, encoded bytes)",
                   f"{first.page_bytes / 1000:.1f} KB", "at most 60 KB", first.page_bytes <= 60_000, "",
                   "phone_first_page_kb", round(first.page_bytes / 1000, 1)),
            Figure("Phone page, first load: every byte on the wire, with the service worker's install",
                   f"{first.wire_bytes / 1000:.1f} KB", "at most 60 KB, if the install counts",
                   first.wire_bytes <= 60_000, "", "phone_first_kb", round(first.wire_bytes / 1000, 1)),
            Figure("Phone page, repeat load with the service worker: bytes on the wire",
                   f"{repeat.wire_bytes / 1000:.1f} KB ({repeat.from_service_worker} answers from the worker)",
                   "at most 10 KB", repeat.wire_bytes <= 10_000, "", "phone_repeat_kb",
                   round(repeat.wire_bytes / 1000, 1)),
        ]
        largest = sorted(first.resources, key=lambda r: -r[1])[:4]
        notes.append(f"- Phone: the service worker {'was' if phone_bytes.worker_active else 'was NOT'} active "
                     f"for the repeat load. On the first load, {(first.wire_bytes - first.page_bytes) / 1000:.1f} KB "
                     "went to requests the page does not see (the worker's install of the app shell) and to "
                     "headers. Largest first-load answers: "
                     + ", ".join(f"`{p}` {n / 1000:.1f} KB" for p, n, _ in largest))
    for name, lines in profiles.items():
        notes.append(f"- Profile of {name} (py-spy; busy samples by the innermost frame of the app's own code): "
                     + "; ".join(lines))
    raw.update(app_put=app_put.as_dict(), floor_put=[f.as_dict() for f in floor_put], queue=queue.as_dict(),
               page=page.as_dict(), queue_one=queue_one.as_dict(), page_one=page_one.as_dict(), floor_get=[floor_get.as_dict(), floor_get2.as_dict()],
               trend={"short_ms": short_ms, "long_ms": long_ms, "short_http_ms": short_http,
                      "long_http_ms": long_http}, peak_rss=peak_rss, idle_rss=idle_rss,
               export=asdict(export) if export else None,
               phone=asdict(phone_bytes) if phone_bytes else None, profiles=profiles)
    return figures, notes, raw


def _first_patient(db_url: str) -> int:
    """The bench clinic's first patient id (its patients' ids are consecutive)."""
    from sqlalchemy import text

    from diary.db import make_engine

    async def query() -> int:
        engine = make_engine(db_url)
        try:
            async with engine.connect() as conn:
                return int((await conn.execute(text(
                    "SELECT min(p.id) FROM patient p JOIN clinic c ON c.id = p.clinic_id WHERE c.name = :n"),
                    {"n": generate.CLINIC})).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(query())


def _kinds(info: dict[str, Any]) -> str:
    kinds = dict(info.get("kinds", {}))
    kinds.pop("trend", None)
    return ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small clinic and short loads (about a minute)")
    parser.add_argument("--patients", type=int)
    parser.add_argument("--walks", type=int)
    parser.add_argument("--seconds", type=float, help="length of each load")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"),
                        help=f"default: both when {PG_ENV} is set, else sqlite")
    parser.add_argument("--reuse-db", action="store_true", help="reuse the SQLite clinic an earlier run built")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-phone", action="store_true")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy pass for missed targets")
    parser.add_argument("--no-report", action="store_true", help="print the figures, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    args.patients = args.patients or (500 if args.quick else 10_000)
    args.walks = args.walks or (50_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (5.0 if args.quick else 20.0)
    backend = args.backend or ("both" if os.environ.get(PG_ENV) else "sqlite")
    backends = ["sqlite", "postgresql"] if backend == "both" else [backend]
    if "postgresql" in backends and not os.environ.get(PG_ENV):
        parser.error(f"PostgreSQL needs {PG_ENV}")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed: run bench/run (make bench), which installs it")

    started = time.monotonic()
    now = datetime.now(UTC)
    meta = report.machine()
    size = "quick" if args.quick else "full"
    for name in backends:
        work = WORK / name
        work.mkdir(parents=True, exist_ok=True)
        pg_name = None
        if name == "sqlite":
            url, pristine = sqlite_database(work, args.patients, args.walks, args.reuse_db)
        else:
            pg_name = f"diary_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(_pg(os.environ[PG_ENV], f'CREATE DATABASE "{pg_name}"'))
            url, pristine = _pg_url(os.environ[PG_ENV], pg_name), None
        run_started = time.monotonic()
        try:
            figures, notes, raw = run_backend(name, url, pristine, work, args, now)
        finally:
            if pg_name:
                asyncio.run(_pg(os.environ[PG_ENV], f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        load_end = os.getloadavg()
        label = f"{size}-{args.patients}-{args.walks}-{name}"
        heading = (f"{now:%Y-%m-%d %H:%M} UTC, {size}: {args.patients:,} patients, {args.walks:,} walks, "
                   f"{'SQLite' if name == 'sqlite' else 'PostgreSQL'}")
        machine_note = (f"- Machine: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gib']} GiB, "
                        f"{meta['system']}, Python {meta['python']}; commit {meta['commit']}. Load average "
                        f"(1, 5, 15 min) at the start {_loadavg(meta['load_start'])}, at the end {_loadavg(load_end)}: "
                        "the machine is shared, so compare ratios rather than absolute figures.")
        how = (f"- Servers: the app as `diary serve --no-scheduler` (uvicorn, one process) and bench/floor.py "
               f"(uvicorn, one process) on loopback, same database; wrk, {args.seconds:g} s per load, writes with "
               f"{WRITERS} clients ({SIGNED_IN} signed-in patients in turn), reads with {READERS} clients. "
               f"This backend took {time.monotonic() - run_started:.0f} s.")
        notes = [machine_note, how, *notes]
        for figure in figures:
            verdict = {True: "met", False: "MISSED", None: ""}[figure.met]
            print(f"{figure.name}: {figure.value} {figure.ratio} [{figure.target}] {verdict}")
        if not args.no_report:
            report.write(label, heading, figures, notes, {"machine": meta, **raw})
    log(f"done in {time.monotonic() - started:.0f} s" + ("" if args.no_report else f"; see {report.RESULTS}"))
    return 0


def _loadavg(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
