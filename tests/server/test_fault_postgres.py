"""PostgreSQL restarted in the middle of a write load, on a cluster this test starts itself.

Eight phones write walks without pause to a real ``diary serve``. PostgreSQL is stopped as if it
crashed (``pg_ctl stop -m immediate``), kept down a few seconds, and started again. Then:

- no acknowledged walk is lost, and nothing stored is half a walk;
- while it is down, writes answer 503 with Retry-After (never 500), the server stays up,
  ``/healthz`` answers 200 and ``/readyz`` 503;
- the server recovers on its own, without a restart (the time to the first 2xx is printed and
  written to tests/artifacts/fault-figures.txt, for SECURITY.md; the assertion allows 30 s);
- the log of the outage is a few lines, one traceback, and holds no health data; nor does the
  log of bad input sent before (a NUL in a note, which PostgreSQL used to refuse with a 500
  whose log line held the note).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from diary import migrate
from tests.live import live_server
from tests.server.fault_load import Load, PgCluster, assert_nothing_lost_or_half_stored, log_since, stored
from tests.server.test_durability import enrol_patients, sign_in

pytestmark = pytest.mark.live

DOWN_S = 3.0
RECOVERY_BOUND_S = 30.0
LOG_BOUND_BYTES = 32_000


@pytest.fixture
def cluster():  # type: ignore[no-untyped-def]
    pg = PgCluster()
    try:
        pg.start()
        pg.create_database()
        yield pg
    finally:
        pg.close()


def record_figures(name: str, figures: dict) -> None:
    print(f"{name}: {json.dumps(figures)}")
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    if artifacts.is_dir():
        with (artifacts / "fault-figures.txt").open("a") as out:
            out.write(f"{name}: {json.dumps(figures)}\n")


def send_bad_input(base: str, session, marker: str) -> None:  # type: ignore[no-untyped-def]
    """Health data in bodies the server refuses: none of it may reach the log."""
    with httpx.Client(base_url=base, cookies=session.cookies, headers={"x-csrftoken": session.token},
                      timeout=30) as client:
        nul = {"type": "walk", "id": "6a3e8f1c-0000-4000-8000-000000000001", "walked_at": "2026-11-30T10:00:00+00:00",
               "distance_m": 777, "note": f"{marker} rest pain\x00at night"}
        assert client.put(f"/api/v1/entries/{nul['id']}", json=nul).status_code == 422
        broken = b'{"type": "walk", "note": "' + marker.encode() + b' ulcer on the heel", "distance_m": 1e999'
        assert client.put(f"/api/v1/entries/{nul['id']}", content=broken,
                          headers={"content-type": "application/json"}).status_code == 400


def test_postgresql_restarted_under_write_load_loses_nothing_and_recovers(cluster: PgCluster, tmp_path: Path):
    migrate.upgrade(cluster.url)
    emails = enrol_patients(cluster.url, 4)
    with live_server(tmp_path, "--no-scheduler", database_url=cluster.url) as server:
        sessions = [sign_in(server.base, email) for email in emails]
        load = Load(server.base, sessions, clients_per_session=2)
        send_bad_input(server.base, sessions[0], load.marker)
        load.start()
        load.wait_for(40)
        log_start = server.log_path.stat().st_size
        went_down = time.monotonic()
        cluster.stop("immediate")
        time.sleep(DOWN_S)
        during = {"healthz": httpx.get(f"{server.base}/healthz", timeout=10).status_code,
                  "readyz": httpx.get(f"{server.base}/readyz", timeout=10)}
        cluster.start()
        back = time.monotonic()
        deadline = back + RECOVERY_BOUND_S
        while load.first_success_after(back) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        first_ok = load.first_success_after(back)
        acknowledged_then = len(load.acknowledged())
        load.wait_for(acknowledged_then + 40)
        load.stop()
        ready_again = httpx.get(f"{server.base}/readyz", timeout=10).status_code
        outage_log = log_since(server.log_path, log_start)
        whole_log = server.log_path.read_text()
    rows = stored(cluster.url)

    assert first_ok is not None, f"no write succeeded within {RECOVERY_BOUND_S} s of PostgreSQL's return"
    assert_nothing_lost_or_half_stored(load, rows)
    statuses = load.statuses()
    assert load.statuses(went_down, back)[503] > 0, f"no 503 while PostgreSQL was down: {statuses}"
    assert 500 not in statuses and 0 not in statuses, f"a 500, or a connection the server dropped: {statuses}"
    assert load.refusals_carry_retry_after()
    assert during["healthz"] == 200 and during["readyz"].status_code == 503
    assert during["readyz"].headers["retry-after"] and during["readyz"].json()["reason"] == "database_unavailable"
    assert ready_again == 200
    # One traceback (with its chained causes), for the outage's first failure; then a line a second.
    assert outage_log.count("The first failure:") == 1 and "Uncaught exception" not in outage_log, outage_log[:3000]
    assert len(outage_log.encode()) < LOG_BOUND_BYTES, f"{len(outage_log.encode())} bytes of log for the outage"
    assert load.marker not in whole_log, "health data (a patient's note) was written to the log"
    record_figures("postgresql_restart", {
        "writers": len(load.threads), "down_s": DOWN_S, "acknowledged": len(load.acknowledged()),
        "lost": 0, "answered_503": statuses[503], "first_2xx_after_back_s": round(first_ok - back, 2),
        "outage_log_bytes": len(outage_log.encode()), "outage_log_lines": outage_log.count("\n")})
    print(outage_log[-1500:])
