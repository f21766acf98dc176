"""The floor: the least a Litestar app on this stack can do per request.

One endpoint does one parameterised INSERT of a walk row into the app's own
``entry`` table, the other one indexed SELECT of a patient's latest walks. The
engine is ``diary.db.make_engine``, so the database settings are the app's own
(SQLite: WAL, synchronous=FULL, busy timeout, BEGIN IMMEDIATE; the same pool), and
transactions take turns as ``diary.db.transaction``'s do (``sqlite_turn``).
No sessions, CSRF, validation, trend rules or templates: the app's figures are
reported as ratios to these, which drift far less than absolute numbers on a
shared machine.

    python -m bench.floor --db URL --port 8101
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, Request, get, put
from litestar.datastructures import State
from sqlalchemy import insert, select

from diary.db import make_engine, sqlite_turn
from diary.models import EntryRow

ENTRY = EntryRow.__table__
LATEST = 20


@put("/floor/patients/{patient_id:int}/entries/{entry_id:uuid}", status_code=201)
async def insert_walk(request: Request[Any, Any, Any], state: State, patient_id: int, entry_id: uuid.UUID) -> dict:
    body = await request.json()
    now = datetime.now(UTC)
    values = {"id": entry_id, "patient_id": patient_id, "kind": "walk",
              "occurred_at": datetime.fromisoformat(body["walked_at"]), "utc_offset_min": 0,
              "note": "", "created_at": now, "updated_at": now, "distance_m": body["distance_m"],
              "pain_onset_m": body.get("pain_onset_m"), "stopped_by_pain": body.get("stopped_by_pain"),
              "relief": body.get("relief"), "pain_score": body.get("pain_score")}
    async with sqlite_turn(state.engine), state.engine.begin() as conn:
        await conn.execute(insert(ENTRY), values)
    return {"id": str(entry_id)}


@get("/floor/patients/{patient_id:int}/walks")
async def latest_walks(state: State, patient_id: int) -> list[dict]:
    query = (select(ENTRY.c.id, ENTRY.c.occurred_at, ENTRY.c.distance_m)
             .where(ENTRY.c.patient_id == patient_id).order_by(ENTRY.c.occurred_at.desc()).limit(LATEST))
    async with sqlite_turn(state.engine), state.engine.begin() as conn:
        rows = (await conn.execute(query)).all()
    return [{"id": str(r.id), "at": r.occurred_at.isoformat(), "distance_m": r.distance_m} for r in rows]


@get("/healthz")
async def healthz() -> str:
    return "ok"


def create_floor(db_url: str) -> Litestar:
    engine = make_engine(db_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar([insert_walk, latest_walks, healthz], lifespan=[lifespan], debug=False,
                    state=State({"engine": engine}), openapi_config=None)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The same server and options as ``diary serve``.
    uvicorn.run(create_floor(args.db), host="127.0.0.1", port=args.port, log_level="warning",
                server_header=False, access_log=False)


if __name__ == "__main__":
    main()
