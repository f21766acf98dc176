"""``bench/RESULTS.md``: each run's figures against their targets, newest first, earlier runs kept.

Every run is also appended to ``bench/results.jsonl`` as one JSON line, and the
report compares each figure with the previous run of the same size and backend.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HISTORY = HERE / "results.jsonl"
MARK = "<!-- runs: newest first -->"
HEADER = f"""# Benchmark results

Written by `make bench` (full size) and `make bench-quick`; see the README's "Benchmark"
section for what each figure means. Each run is added at the top and earlier runs are
kept below, so a regression shows. The raw figures of every run are in `results.jsonl`.

{MARK}
"""


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE.parent).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                text=True, cwd=HERE.parent).stdout.strip())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "system": f"{platform.system()} {platform.release()}",
            "commit": commit + (" (with uncommitted changes)" if dirty else ""), "load_start": os.getloadavg()}


@dataclass
class Figure:
    """One line of the report: the measured value, its target and whether it is met."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None   # None: no target, reported only
    ratio: str = ""
    key: str = ""             # for comparison with the previous run
    number: float | None = None

    def row(self, previous: dict[str, float]) -> str:
        verdict = {True: "met", False: "**missed**", None: ""}[self.met]
        before = previous.get(self.key)
        change = f"{before:g}" if before is not None and self.key else ""
        return f"| {self.name} | {self.value} | {self.ratio} | {self.target} | {verdict} | {change} |"


def _previous(label: str) -> dict[str, float]:
    if not HISTORY.exists():
        return {}
    runs = [json.loads(line) for line in HISTORY.read_text().splitlines() if line.strip()]
    same = [r for r in runs if r.get("label") == label]
    return same[-1]["numbers"] if same else {}


def write(label: str, heading: str, figures: list[Figure], notes: list[str], raw: dict[str, Any]) -> None:
    previous = _previous(label)
    lines = [f"## {heading}", "", *notes, "",
             "| figure | value | ratio to the floor | target | | previous run |",
             "|---|---|---|---|---|---|", *(f.row(previous) for f in figures), ""]
    old = RESULTS.read_text() if RESULTS.exists() else HEADER
    if MARK not in old:
        old = HEADER + old
    head, _, rest = old.partition(MARK)
    RESULTS.write_text(head + MARK + "\n\n" + "\n".join(lines) + "\n" + rest.lstrip("\n"))
    numbers = {f.key: f.number for f in figures if f.key and f.number is not None}
    with HISTORY.open("a") as out:
        out.write(json.dumps({"label": label, "heading": heading, "numbers": numbers, "raw": raw}) + "\n")
