"""A real ``diary serve`` process on loopback, for the live-server and browser tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a development server: SQLite in ``data_dir``, unless ``database_url`` is given."""
    env = {**os.environ, "DIARY_DEV": "true", "DIARY_DATA_DIR": str(data_dir)}
    env.pop("DIARY_DATABASE_URL", None)
    if database_url:
        env["DIARY_DATABASE_URL"] = database_url
    return env


def diary(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run the ``diary`` command; its standard output."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True, input=stdin).stdout


def token_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@dataclass
class LiveServer:
    """A started ``diary serve``: its base URL, its process and the file its output goes to."""

    base: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: the process ends at once, with no shutdown and no cleanup."""
        self.process.kill()
        self.process.wait(timeout=15)


@contextmanager
def live_server(data_dir: Path, *args: str, database_url: str | None = None, env: dict[str, str] | None = None,
                log_path: Path | None = None) -> Iterator[LiveServer]:
    """``diary serve`` on a free loopback port until the block ends (stopped with SIGTERM if still running).
    Its output is appended to ``data_dir/server.log`` (or ``log_path``), so a restart keeps the first
    run's lines. ``env`` adds variables to the development environment."""
    port = free_port()
    log_path = log_path or data_dir / "server.log"
    with log_path.open("a") as log:
        server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args],
                                  env={**live_env(data_dir, database_url), **(env or {})}, stdout=log,
                                  stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail("diary serve did not start: " + log_path.read_text())
            yield LiveServer(base=base, process=server, log_path=log_path)
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=15)


@contextmanager
def running_server(data_dir: Path, *args: str, database_url: str | None = None) -> Iterator[str]:
    """``diary serve`` on a free loopback port until the block ends; yields its base URL.
    127.0.0.1 is a secure context, so service workers run over plain HTTP."""
    with live_server(data_dir, *args, database_url=database_url) as server:
        yield server.base
