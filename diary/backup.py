"""Consistent copies of the SQLite database, and putting one back.

``backup`` uses SQLite's online backup API: it copies one snapshot of the
database while the app keeps serving (in WAL mode the writer carries on while
the copy reads). The copy is written to a hidden file beside the destination,
checked with ``PRAGMA integrity_check``, flushed to disk and only then renamed
into place, so a destination never holds half a backup.

``restore`` accepts only a sound SQLite database of this app (integrity check,
and an Alembic revision the app knows), refuses while anything still has the
current database open, and keeps the current database aside instead of
deleting it.

PostgreSQL is backed up with its own tools (``pg_dump``); see the README.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 15.0
# Beside the database, SQLite keeps these while it is open (or after a crash).
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """The backup or restore cannot be done; the message names the problem."""


@dataclass(frozen=True)
class Restored:
    revision: str
    kept_aside: Path | None  # the database that was in place, or None if there was none


def sqlite_path(db_url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(url.database)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ")


def _connect(path: Path, mode: str, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """Open an existing database without ever creating one (``mode`` is ``ro`` or ``rw``)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=timeout,
                           isolation_level=None)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _integrity(conn: sqlite3.Connection) -> str:
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into the new file ``target`` in one step, as one snapshot, and check the copy."""
    with closing(sqlite3.connect(target, isolation_level=None)) as copy:
        source.backup(copy)  # all pages in one step: a single read transaction, a consistent snapshot
        # A stand-alone file: no -wal beside it is needed to read it.
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = _integrity(copy)
    if verdict != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check: {verdict}")
    _fsync(target)


def _temp_beside(dest: Path) -> Path:
    """An empty hidden file in ``dest``'s directory, so the final rename stays on one file system."""
    if not dest.parent.is_dir():
        problem = "is not a directory" if dest.parent.exists() else "does not exist"
        raise BackupError(f"cannot write {dest}: {dest.parent} {problem}")
    try:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {exc.strerror}") from None
    os.close(fd)
    return Path(name)


def _move_into_place(temp: Path, dest: Path) -> None:
    os.replace(temp, dest)
    _fsync(dest.parent)  # the rename itself survives a power cut


def _looks_like_sqlite(path: Path, what: str) -> None:
    if not path.exists():
        raise BackupError(f"{what} {path} does not exist")
    if not path.is_file():
        raise BackupError(f"{what} {path} is not a file")
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {what} {path}: {exc.strerror}") from None
    if magic != SQLITE_MAGIC:
        raise BackupError(f"{what} {path} is not a SQLite database")


def backup(db_path: Path, dest: Path, now: datetime) -> Path:
    """Write a consistent copy of the live database to ``dest`` (a file, or a directory for a dated file).

    Safe while the app runs. Returns the file written.
    """
    _looks_like_sqlite(db_path, "the database")
    if dest.is_dir():
        dest = dest / f"diary-{_stamp(now)}.sqlite3"
    if dest.resolve() == db_path.resolve():
        raise BackupError(f"{dest} is the live database itself: choose another destination")
    temp = _temp_beside(dest)
    try:
        with closing(_connect(db_path, "rw")) as source:
            _copy(source, temp)
        _move_into_place(temp, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {db_path}: {exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot write {dest}: {exc.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
    return dest


def check_diary_database(path: Path, revisions: set[str]) -> str:
    """The Alembic revision of a sound Walking Diary database at ``path``; BackupError naming what is wrong."""
    _looks_like_sqlite(path, "the backup")
    try:
        with closing(_connect(path, "ro")) as conn:
            verdict = _integrity(conn)
            if verdict != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check: {verdict}")
            try:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            except sqlite3.OperationalError:
                rows = []
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a SQLite database: {exc}") from None
    if len(rows) != 1:
        raise BackupError(f"{path} is a SQLite database but not a Walking Diary one (it has no migration version)")
    revision = rows[0][0]
    if revision not in revisions:
        raise BackupError(f"{path} is at migration {revision!r}, which this version of Walking Diary does not know "
                          "(is the backup from a newer version?)")
    return revision


def _refuse_if_in_use(db_path: Path) -> None:
    """Take an exclusive lock on the database for a moment, or refuse if any process has it open.

    In WAL mode every open connection keeps a shared lock on the file, even when idle,
    so this also catches a ``diary serve`` that is waiting for requests. Closing our
    connection, the last one, checkpoints the WAL into the database file and removes it.
    """
    try:
        conn = _connect(db_path, "rw", timeout=0)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the current database {db_path}: {exc}") from None
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(f"the database {db_path} is in use: stop diary serve and diary scheduler first") from None
        # Otherwise the current file is damaged, a good reason to restore; it is kept aside all the same.
    finally:
        conn.close()


def _same_owner_and_mode(current: Path, new: Path) -> None:
    """The restored file gets the current one's owner and mode, so the app's user can still open it."""
    info = current.stat()
    os.chmod(new, info.st_mode & 0o777)
    try:
        os.chown(new, info.st_uid, info.st_gid)
    except PermissionError:
        pass  # not root: the file is ours, as the current one most likely is


def _aside_name(db_path: Path, now: datetime) -> Path:
    base = db_path.with_name(f"{db_path.name}.before-restore-{_stamp(now)}")
    candidate, n = base, 1
    while candidate.exists():
        candidate, n = base.with_name(f"{base.name}.{n}"), n + 1
    return candidate


def known_revisions() -> set[str]:
    """Every migration revision this version of the app ships."""
    from alembic.script import ScriptDirectory

    from diary.migrate import alembic_config

    return {script.revision for script in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}


def restore(src: Path, db_path: Path, now: datetime) -> Restored:
    """Put the backup ``src`` in place of the database at ``db_path``; the app must be stopped.

    The database that was there is renamed aside (``<name>.before-restore-<time>``), never deleted.
    """
    revision = check_diary_database(src, known_revisions())
    if db_path.exists() and src.resolve() == db_path.resolve():
        raise BackupError(f"{src} is the current database itself")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_beside(db_path)
    try:
        try:
            with closing(_connect(src, "ro")) as source:
                _copy(source, temp)
        except sqlite3.Error as exc:
            raise BackupError(f"cannot copy {src}: {exc}") from None
        aside = None
        if db_path.exists():
            _refuse_if_in_use(db_path)
            _same_owner_and_mode(db_path, temp)
            aside = _aside_name(db_path, now)
            os.replace(db_path, aside)
            for suffix in SIDE_FILES:  # a stale WAL must never be paired with the restored file
                side = db_path.with_name(db_path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        _move_into_place(temp, db_path)
    except OSError as exc:
        raise BackupError(f"cannot write {db_path}: {exc.strerror}") from None
    finally:
        temp.unlink(missing_ok=True)
    return Restored(revision=revision, kept_aside=aside)
