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
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DIARY_DEV": "true", "DIARY_DATA_DIR": str(data_dir)}
    env.pop("DIARY_DATABASE_URL", None)
    return env


def diary(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run the ``diary`` command; its standard output."""
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True, input=stdin).stdout


def token_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@contextmanager
def running_server(data_dir: Path, *args: str) -> Iterator[str]:
    """``diary serve`` on a free loopback port until the block ends; yields its base URL.
    127.0.0.1 is a secure context, so service workers run over plain HTTP."""
    port = free_port()
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port), *args],
                                  env=live_env(data_dir), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail("diary serve did not start: " + log_path.read_text())
            yield base
        finally:
            server.terminate()
            server.wait(timeout=15)
