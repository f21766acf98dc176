"""Summarise a py-spy ``--format raw`` (collapsed stacks) file: where the time went.

    python -m bench.profile_summary FILE [--top N]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# aiosqlite's worker thread waiting for the next statement (its queue's get).
AIOSQLITE_WAITING = "_connection_worker_thread (aiosqlite/core.py:59)"
# uvloop's loop is C code: a stack that ends in Runner.run is the loop itself, mostly waiting.
LOOP_IN_C = "Runner.run (asyncio/runners.py"
IDLE = re.compile(r"\b(select|epoll|poll|wait|_worker|acquire|sleep|run_forever)\b.*\)$")


def _frame(text: str) -> str:
    # "func (path/to/pkg/module.py:12)" -> "func (pkg/module.py)"
    match = re.match(r"(.*?) \((.*?)(?::\d+)?\)$", text.strip())
    if not match:
        return text.strip()
    return f"{match.group(1)} ({'/'.join(match.group(2).split('/')[-2:])})"


def ours(name: str) -> bool:
    """A frame of the app's own code (the CLI that starts the server does not count)."""
    return ("(diary/" in name or "(server/" in name or "(trend/" in name or "(export_pdf/" in name) \
        and "(server/cli.py)" not in name


def summarise(path: Path, top: int = 25) -> dict[str, list[tuple[str, float]]]:
    """Inclusive and self shares of the busy (non-idle) samples, per function."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    innermost: Counter[str] = Counter()   # the deepest frame of the app's own code
    busy = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";")[1:]]  # the first is the thread
        leaf = stack.split(";")[-1]
        if not frames or IDLE.search(leaf) or AIOSQLITE_WAITING in leaf or LOOP_IN_C in leaf:
            continue
        n = int(count)
        busy += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
        mine = [f for f in frames if ours(f)]
        if "_connection_worker_thread" in stack:
            innermost["(the database thread: SQLite itself, fsync, waits for the write lock)"] += n
        else:
            innermost[mine[-1] if mine else "(outside the app's code: uvicorn, Litestar, SQLAlchemy, pydantic)"] += n
    share = (lambda c: [(name, round(100 * n / busy, 1)) for name, n in c.most_common(top)]) if busy else list
    return {"busy_samples": [("samples", float(busy))], "inclusive": share(inclusive), "self": share(own),
            "innermost_app_frame": share(innermost)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for key, rows in summarise(args.file, args.top).items():
        print(f"== {key}")
        for name, value in rows:
            print(f"{value:6.1f}  {name}")


if __name__ == "__main__":
    main()
