"""The weekly export of the whole clinic, as an operator runs it: ``diary export`` on a terminal.

The command runs on a pseudo-terminal, so it draws its progress bar; the last
state of the bar is kept for the report. Wall time is measured around the
process, and its peak memory is the kernel's high-water mark (VmHWM), read as it runs.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.servers import ROOT, app_env, high_water

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class ExportRun:
    week: str
    seconds: float
    peak_rss: int
    files: int
    bytes_written: int
    progress: str
    exit_code: int


def last_week(now: datetime) -> str:
    year, week, _ = (now - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def run_export(data_dir: Path, db_url: str, out: Path, week: str) -> ExportRun:
    command = [sys.executable, "-m", "server.cli", "export", "--week", week, "--out", str(out)]
    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=app_env(data_dir, db_url), cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=follower)
    os.close(follower)
    output = bytearray()
    peak = 0
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        peak = max(peak, high_water(process.pid) or 0)
        if not ready:
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        output += chunk
    process.wait()
    seconds = time.perf_counter() - started
    os.close(leader)
    text = ANSI.sub("", output.decode(errors="replace")).replace("\r", "\n")
    bars = [line.strip() for line in text.splitlines() if "Patients," in line]
    files = [p for p in out.rglob("*") if p.is_file()]
    return ExportRun(week=week, seconds=round(seconds, 1), peak_rss=peak, files=len(files),
                     bytes_written=sum(p.stat().st_size for p in files), progress=bars[-1] if bars else "",
                     exit_code=process.returncode)
