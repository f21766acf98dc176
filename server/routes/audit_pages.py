"""The audit log for a clinic's admins: browse it (filtered, newest first) and export it as CSV.

Only admins see it (anyone else gets 404), and only their own clinic's rows,
scoped in the query itself. Browsing is not audited page by page: the page is
the log itself, open to admins alone, and each filter keystroke would add rows
to the very log being read. An export is audited (``audit.exported``): that
copy leaves the app.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request, get
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Stream, Template

from diary import audit
from diary.db import transaction
from diary.exports import safe_cell
from diary.models import Clinic, User
from diary.text import whole_number
from server.auth import client_address, utcnow
from server.routes.clinic_admin import admin_only

PAGE = 50
CSV_BATCH = 500
NO_STORE = {"cache-control": "no-store"}
FIELDS = ("action", "actor", "patient", "from", "to")
CSV_COLUMNS = ("at_utc", "at_clinic_time", "actor_email", "actor_role", "action", "patient_clinic_number",
               "patient_name", "detail", "address")


def _day(value: str, timezone: str, errors: dict[str, str], field: str, days_after: int = 0) -> datetime | None:
    """The start of a clinic-local day (or of the day after), as an instant."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) + timedelta(days=days_after)
    except (ValueError, OverflowError):  # not a date, or the day after 9999-12-31
        errors[field] = "Enter a date like 2026-11-30."
        return None
    if not 1900 <= day.year <= 2999:  # outside these, turning a clinic's day into UTC can overflow
        errors[field] = "Enter a date between the years 1900 and 2999."
        return None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))


def read_filter(request: Request[Any, Any, Any], timezone: str) -> tuple[audit.AuditFilter, dict[str, str],
                                                                           dict[str, str]]:
    """The filter from the query string: (filter, the values as typed, errors by field)."""
    values = {name: (request.query_params.get(name) or "").strip()[:200] for name in FIELDS}
    errors: dict[str, str] = {}
    flt = audit.AuditFilter(
        action=values["action"], actor=values["actor"], patient=values["patient"],
        since=_day(values["from"], timezone, errors, "from"),
        until=_day(values["to"], timezone, errors, "to", days_after=1),  # "to" includes that whole day
    )
    return flt, values, errors


def _page_number(request: Request[Any, Any, Any]) -> int:
    return whole_number(request.query_params.get("page"), 1, 100_000) or 1


@get("/clinic/audit", guards=[admin_only])
async def audit_page(request: HTMXRequest, state: State) -> Template:
    user: User = request.user
    page = _page_number(request)
    async with transaction(state.sessions) as db:
        clinic = await db.get(Clinic, user.clinic_id)
        flt, values, errors = read_filter(request, clinic.timezone)
        rows = await audit.search(db, user.clinic_id, flt, limit=PAGE + 1, offset=(page - 1) * PAGE)
    query = urlencode({k: v for k, v in values.items() if v})
    context = {"user": user, "clinic": clinic, "rows": rows[:PAGE], "more": len(rows) > PAGE, "page": page,
               "values": values, "errors": errors, "query": query, "action_groups": audit.action_groups()}
    # htmx asks for the rows alone when a filter changes.
    if request.htmx and request.htmx.target == "audit-rows":
        return Template("clinic/_audit_rows.html", context=context, headers=NO_STORE)
    return Template("clinic/audit.html", context=context, headers=NO_STORE)


def csv_line(row: audit.AuditRow, timezone: str) -> list[object]:
    event, actor, patient = row.event, row.actor, row.patient
    values = [event.at.isoformat(), event.at.astimezone(ZoneInfo(timezone)).isoformat(),
              actor.email if actor else "", actor.role.value if actor else "", event.action,
              patient.clinic_number if patient else "", patient.name if patient else "",
              json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
              event.address or ""]
    return [safe_cell(v) for v in values]


async def _csv_chunks(state: State, clinic_id: int, flt: audit.AuditFilter, timezone: str) -> AsyncIterator[str]:
    """The filtered rows, newest first, read a batch at a time in short transactions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()  # a BOM, so spreadsheets read names as UTF-8
    before: tuple[datetime, int] | None = None
    while True:
        async with transaction(state.sessions) as db:
            rows = await audit.search(db, clinic_id, flt, limit=CSV_BATCH, before=before)
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(csv_line(row, timezone) for row in rows)
        yield buffer.getvalue()
        if len(rows) < CSV_BATCH:
            return
        before = (rows[-1].event.at, rows[-1].event.id)


@get("/clinic/audit.csv", guards=[admin_only])
async def audit_csv(request: Request[Any, Any, Any], state: State) -> Stream | Template:
    user: User = request.user
    now = utcnow()
    async with transaction(state.sessions) as db:
        clinic = await db.get(Clinic, user.clinic_id)
        flt, values, errors = read_filter(request, clinic.timezone)
        if errors:
            return Template("clinic/audit.html", status_code=422, headers=NO_STORE, context={
                "user": user, "clinic": clinic, "rows": [], "more": False, "page": 1, "values": values,
                "errors": errors, "query": "", "action_groups": audit.action_groups()})
        await audit.record(db, action="audit.exported", now=now, actor=user, address=client_address(request),
                           detail={"filter": flt.as_detail()})
    name = f"audit-log-{now:%Y%m%d-%H%M%S}.csv"
    # text/csv: Litestar adds the charset (naming it here sent it twice).
    return Stream(_csv_chunks(state, user.clinic_id, flt, clinic.timezone), media_type="text/csv",
                  headers={**NO_STORE, "content-disposition": f'attachment; filename="{name}"'})


AUDIT_ROUTES = [audit_page, audit_csv]
