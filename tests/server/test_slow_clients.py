"""A client that trickles its body holds nothing but its own connection, and not for long.

Twenty clients open requests to a real ``diary serve`` and send their bodies a few bytes at a
time, as they would over minutes. The server, its slow-client timeout lowered to 2 s
(``DIARY_CLIENT_TIMEOUT_S``), answers each 408 and closes the connection; meanwhile a patient's
phone saves its walks as usual, every one acknowledged. Before, nothing ever timed a body out:
each slow client held its connection for as long as it liked.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from tests.live import live_server
from tests.server.fault_load import Load
from tests.server.test_durability import enrol_patients, sign_in

pytestmark = pytest.mark.live

TIMEOUT_S = 2.0
SLOW_CLIENTS = 20
BODY_BYTES = 4000  # at 4 bytes a second: over 16 minutes
GIVE_UP_S = 15.0  # the test's own bound for an answer, far above the timeout


def trickle(port: int, path: str, results: list[tuple[float, bytes]], stop: threading.Event) -> None:
    """Send the headers, then the body a byte every quarter second; keep the first answer and when it came."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=GIVE_UP_S) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
                      f"\r\nContent-Length: {BODY_BYTES}\r\n\r\n").encode())
        sock.setblocking(False)
        answer = b""
        for _ in range(BODY_BYTES):
            if stop.is_set() or time.monotonic() - started > GIVE_UP_S:
                break
            try:
                sock.sendall(b"a")
            except OSError:  # closed by the server
                pass
            try:
                chunk = sock.recv(4096)
                if chunk:
                    answer += chunk
                if answer and (not chunk or b"\r\n\r\n" in answer):
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            time.sleep(0.25)
        results.append((time.monotonic() - started, answer))


def test_slow_bodies_are_cut_off_at_the_timeout_while_the_diary_saves_walks(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'diary.sqlite3'}"
    from diary import migrate
    migrate.upgrade(url)
    emails = enrol_patients(url, 1)
    with live_server(tmp_path, "--no-scheduler", env={"DIARY_CLIENT_TIMEOUT_S": str(TIMEOUT_S)}) as server:
        port = int(server.base.rsplit(":", 1)[1])
        session = sign_in(server.base, emails[0])
        results: list[tuple[float, bytes]] = []
        stop = threading.Event()
        slow = [threading.Thread(target=trickle, args=(port, path, results, stop), daemon=True)
                for path in ("/login", "/enrol", "/diary/walks", "/account/password") * (SLOW_CLIENTS // 4)]
        for thread in slow:
            thread.start()
        load = Load(server.base, [session], clients_per_session=2).start()
        load.wait_for(20, timeout=GIVE_UP_S)
        load.stop()
        for thread in slow:
            thread.join(GIVE_UP_S + 5)
        stop.set()
    assert set(load.statuses()) == {201}, load.statuses()
    assert len(results) == SLOW_CLIENTS
    answered = [(seconds, answer.split(b"\r\n", 1)[0]) for seconds, answer in results]
    assert all(status == b"HTTP/1.1 408 Request Timeout" for _, status in answered), answered
    assert all(seconds < GIVE_UP_S for seconds, _ in answered), answered
    print(f"slow clients: {SLOW_CLIENTS} answered 408 after {min(s for s, _ in answered):.1f} to "
          f"{max(s for s, _ in answered):.1f} s (timeout {TIMEOUT_S} s); {len(load.acknowledged())} walks saved meanwhile")
