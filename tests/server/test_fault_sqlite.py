"""SQLite with a full disk, in the middle of a write load.

Eight phones write walks without pause to a real ``diary serve`` on SQLite, until the database
cannot grow: on a small tmpfs the test mounts (as root, where mounting is allowed), whose last
free bytes a filler file takes; or else, where nothing can be mounted, under a size cap
(``DIARY_SQLITE_MAX_MB``, SQLite's ``max_page_count``) that a filler table has nearly reached.
Then room is made (the filler file deleted, or the filler table's rows), and:

- no acknowledged walk is lost, nothing stored is half a walk, and ``PRAGMA integrity_check``
  says ok;
- while the disk is full, writes answer 503 with Retry-After (never 500) and the server stays up;
- writes succeed again on their own once there is room, without a restart;
- the log of the fault is a few lines, one traceback, and no health data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from diary import migrate
from tests.live import live_server
from tests.server.fault_load import Load, assert_nothing_lost_or_half_stored, log_since, stored
from tests.server.test_durability import enrol_patients, sign_in, sqlite_integrity
from tests.server.test_fault_postgres import record_figures

pytestmark = pytest.mark.live

TMPFS_BYTES = 8 * 1024 * 1024
# What the writers have before the disk is full: a few dozen walks (the WAL takes the tmpfs's
# room faster than the database's pages take the size cap's).
HEADROOM = {"tmpfs": 256 * 1024, "size_cap": 64 * 1024}
RECOVERY_BOUND_S = 30.0
LOG_BOUND_BYTES = 32_000


@contextmanager
def small_tmpfs() -> Iterator[Path]:
    """A tmpfs of TMPFS_BYTES, mounted for the test, or a skip saying why it cannot be."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root: the size-cap variant of this test covers a full disk")
    where = Path(tempfile.mkdtemp(prefix="diary-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip(f"this machine does not allow mounting a tmpfs ({mounted.stderr.strip()}): "
                    "the size-cap variant of this test covers a full disk")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def fill(path: Path, leave: int) -> None:
    """A filler file taking all but ``leave`` bytes of the file system ``path`` is on."""
    free = shutil.disk_usage(path.parent).free
    with path.open("wb") as out:
        out.write(b"\0" * max(0, free - leave))
        out.flush()
        os.fsync(out.fileno())


def filler_table(db: Path, megabytes: int) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, junk BLOB)")
        conn.executemany("INSERT INTO filler (junk) VALUES (?)", ((b"\x01" * 60_000,) for _ in range(megabytes * 17)))


@pytest.mark.parametrize("how", ["tmpfs", "size_cap"])
def test_sqlite_with_a_full_disk_loses_nothing_and_recovers(how: str, tmp_path: Path):
    with (small_tmpfs() if how == "tmpfs" else _nothing(tmp_path / "data")) as data_dir:
        db = data_dir / "diary.sqlite3"
        url = f"sqlite+aiosqlite:///{db}"
        migrate.upgrade(url)
        emails = enrol_patients(url, 4)
        env: dict[str, str] = {}
        if how == "size_cap":
            filler_table(db, 2)
            with closing(sqlite3.connect(db)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            env["DIARY_SQLITE_MAX_MB"] = f"{(db.stat().st_size + HEADROOM[how]) / 1024 / 1024:.4f}"
        with live_server(data_dir, "--no-scheduler", env=env, log_path=tmp_path / "server.log") as server:
            sessions = [sign_in(server.base, email) for email in emails]
            load = Load(server.base, sessions, clients_per_session=2)
            if how == "tmpfs":
                fill(data_dir / "filler", HEADROOM[how])
            log_start = server.log_path.stat().st_size
            started = time.monotonic()
            load.start()
            deadline = started + 60
            while load.statuses()[503] < 40 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert load.statuses()[503] >= 40, f"the disk never filled: {load.statuses()}"
            full_at = time.monotonic()
            healthz = httpx.get(f"{server.base}/healthz", timeout=10).status_code
            reading = httpx.get(f"{server.base}/api/v1/entries?limit=5", cookies=sessions[0].cookies, timeout=10)
            if how == "tmpfs":
                (data_dir / "filler").unlink()
            else:
                with closing(sqlite3.connect(db, timeout=15)) as conn, conn:
                    conn.execute("DELETE FROM filler")
            room_at = time.monotonic()
            while load.first_success_after(room_at) is None and time.monotonic() < room_at + RECOVERY_BOUND_S:
                time.sleep(0.05)
            first_ok = load.first_success_after(room_at)
            acknowledged_then = len(load.acknowledged())
            if first_ok is not None:
                load.wait_for(acknowledged_then + 30)
            load.stop()
            fault_log = log_since(server.log_path, log_start)
        rows = stored(url)
        integrity = sqlite_integrity(db)

    assert first_ok is not None, f"no write succeeded within {RECOVERY_BOUND_S} s of making room"
    assert integrity == "ok"
    assert_nothing_lost_or_half_stored(load, rows)
    statuses = load.statuses()
    assert 500 not in statuses and 0 not in statuses, f"a 500, or a connection the server dropped: {statuses}"
    assert load.statuses(full_at, room_at)[503] > 0 and load.refusals_carry_retry_after()
    assert healthz == 200 and reading.status_code == 200  # reads carry on while writes wait for room
    assert fault_log.count("The first failure:") == 1 and "Uncaught exception" not in fault_log, fault_log[:3000]
    assert len(fault_log.encode()) < LOG_BOUND_BYTES, f"{len(fault_log.encode())} bytes of log for the fault"
    assert load.marker not in fault_log, "health data (a patient's note) was written to the log"
    record_figures(f"sqlite_full_disk_{how}", {
        "writers": len(load.threads), "acknowledged": len(load.acknowledged()), "lost": 0,
        "answered_503": statuses[503], "first_2xx_after_room_s": round(first_ok - room_at, 2),
        "fault_log_bytes": len(fault_log.encode()), "integrity_check": integrity})


@contextmanager
def _nothing(path: Path) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    yield path
