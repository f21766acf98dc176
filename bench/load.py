"""Driving a server with wrk: Lua scripts sign each request in and give each walk its own UUID."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua"


@dataclass
class Load:
    """One wrk run: throughput and latency, and how many answers were not 2xx/3xx."""

    name: str
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int

    def as_dict(self) -> dict:
        return asdict(self)


def write_sessions(path: Path, sessions: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{cookie}\t{token}\n" for cookie, token in sessions))
    return path


def wrk(name: str, base: str, script: str, args: list[str], connections: int, seconds: float,
        threads: int = 1) -> Load:
    """One bounded run of wrk against ``base`` (loopback only); it stops by itself."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
               "-s", str(LUA / script), base, "--", *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    data = json.loads(line[len("BENCH "):])
    elapsed = data["duration_us"] / 1e6
    return Load(name=name, connections=connections, seconds=round(elapsed, 1), requests=data["requests"],
                rps=round(data["requests"] / elapsed, 1), p50_ms=data["p50_ms"], p95_ms=data["p95_ms"],
                p99_ms=data["p99_ms"], max_ms=data["max_ms"], status_errors=data["status_errors"],
                socket_errors=data["socket_errors"] + data["timeouts"])
