"""The servers under test, each a real process on loopback, and signing in to the app."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(data_dir: Path, db_url: str) -> dict[str, str]:
    """Development mode, so the cookies work over plain HTTP on loopback."""
    return {**os.environ, "DIARY_DEV": "true", "DIARY_DATA_DIR": str(data_dir), "DIARY_DATABASE_URL": db_url}


@dataclass
class Server:
    """A server process whose memory is sampled while it runs."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    peak_rss: int = 0          # the kernel's high-water mark of its resident memory
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        handle = self.log.open("w")
        self.process = subprocess.Popen([*self.command, "--port", str(self.port)], env=self.env, cwd=ROOT,
                                        stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            peak = high_water(self.process.pid)
            if peak is None:
                return
            self.peak_rss = max(self.peak_rss, peak)

    def rss(self) -> int:
        return psutil.Process(self.process.pid).memory_info().rss

    def drain(self, limit: float = 60.0) -> None:
        """Wait until the server has finished the requests a load left queued: wrk stops
        at its deadline, but the server still works through what it had been sent."""
        proc = psutil.Process(self.process.pid)
        proc.cpu_percent()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if proc.cpu_percent() < 10:
                return

    def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self._stop.set()
        self.peak_rss = max(self.peak_rss, high_water(self.process.pid) or 0)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def high_water(pid: int) -> int | None:
    """The process's peak resident memory so far (VmHWM, reset at exec), in bytes.

    Not ``wait4``'s ru_maxrss: Linux carries that over from the parent across
    fork and exec, so a child would report the benchmark's own size."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def app_server(data_dir: Path, db_url: str) -> Server:
    # ``diary serve`` itself (uvicorn); the scheduler is off so that no catch-up
    # export runs in the background of the measurements.
    return Server("app", [sys.executable, "-m", "server.cli", "serve", "--no-scheduler"],
                  app_env(data_dir, db_url), data_dir / "app.log")


def floor_server(data_dir: Path, db_url: str) -> Server:
    return Server("floor", [sys.executable, "-m", "bench.floor", "--db", db_url],
                  app_env(data_dir, db_url), data_dir / "floor.log")


def token_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


@dataclass(frozen=True)
class SignedIn:
    cookies: dict[str, str]
    token: str

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def sign_in(base: str, email: str, password: str, home: str) -> SignedIn:
    """Sign in as a person does (the login form with its CSRF token); the cookies and
    the token from ``home``'s page."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = token_of(client.get("/login").text)
        answer = client.post("/login", data={"email": email, "password": password, "_csrf_token": token,
                                             "keep_signed_in": "yes"})
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in of {email} answered {answer.status_code}")
        page = client.get(home)
        page.raise_for_status()
        return SignedIn(dict(client.cookies.items()), token_of(page.text))
