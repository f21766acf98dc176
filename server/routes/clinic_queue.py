"""The clinician's start page: the review queue, and all patients searchable and filterable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import get
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy import select

from diary import severity, summary
from diary.db import read_transaction, transaction
from diary.models import Clinic, User
from server.auth import staff_only, utcnow

PAGE = 25
NO_STORE = {"cache-control": "no-store"}


def _int(value: str | None, default: int | None = None, low: int = 0, high: int = 10_000) -> int | None:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        return default
    return None if number is None else max(low, min(high, number))


async def _reviewers(db: Any, clinic_id: int, rows: list[summary.Row]) -> dict[int, User]:
    ids = {r.summary.last_reviewed_by for r in rows if r.summary.last_reviewed_by}
    if not ids:
        return {}
    query = select(User).where(User.id.in_(ids), User.clinic_id == clinic_id)
    return {u.id: u for u in (await db.execute(query)).scalars()}


async def _lists(db: Any, user: User, flt: summary.PatientFilter, queue_page: int, list_page: int,
                 now: datetime) -> dict[str, Any]:
    clinic = await db.get(Clinic, user.clinic_id)
    queue, queue_total = await summary.review_queue(db, user.clinic_id, limit=PAGE, offset=(queue_page - 1) * PAGE)
    patients, total = await summary.find_patients(db, user.clinic_id, flt, now, limit=PAGE,
                                                  offset=(list_page - 1) * PAGE)
    return {"clinic": clinic, "queue": queue, "queue_total": queue_total, "patients": patients, "total": total,
            "reviewers": await _reviewers(db, user.clinic_id, queue + patients)}


@get("/clinic", guards=[staff_only])
async def clinic_home(request: HTMXRequest, state: State) -> Template:
    user: User = request.user
    params = request.query_params
    flt = summary.PatientFilter(
        search=(params.get("q") or "").strip()[:100], severity=params.get("severity") or "",
        diagnosis=params.get("diagnosis") or "", not_reviewed_days=_int(params.get("not_reviewed"), None, 0, 3650),
    )
    queue_page = _int(params.get("queue_page"), 1, 1) or 1
    list_page = _int(params.get("page"), 1, 1) or 1
    now = utcnow()
    # Read without waiting behind this process's writers; only when a snooze has
    # ended is there something to write first (its flags come back into the queue).
    async with read_transaction(state.sessions) as db:
        due = await summary.snoozes_due(db, user.clinic_id, now)
        lists = None if due else await _lists(db, user, flt, queue_page, list_page, now)
    if lists is None:
        async with transaction(state.sessions) as db:
            await summary.wake_snoozed(db, user.clinic_id, now)
            lists = await _lists(db, user, flt, queue_page, list_page, now)
    context = {
        "user": user, **lists, "queue_page": queue_page, "page": list_page, "page_size": PAGE, "filter": flt,
        "rank_name": severity.NAME_OF_RANK, "severities": severity.ORDER, "now": now,
    }
    # htmx asks for the patient list alone when a search or filter changes.
    if request.htmx and request.htmx.target == "patients":
        return Template("clinic/_patients.html", context=context, headers=NO_STORE)
    return Template("clinic/queue.html", context=context, headers=NO_STORE)


QUEUE_ROUTES = [clinic_home]
