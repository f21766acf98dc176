"""The clinic's settings, for its admins: name, time zone, phone number, emergency number.

The numbers reach every patient of the clinic with their safety advice (as
tap-to-call links, and kept on their phone for the offline advice), on the
enrolment letter and on the PDFs. Changes are audited (``diary.clinics``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template

from diary import clinics
from diary.db import transaction
from diary.models import Clinic, User
from server.auth import client_address, utcnow
from server.routes.clinic_admin import admin_only

NO_STORE = {"cache-control": "no-store"}
FIELDS = ("name", "timezone", "phone", "emergency_number")


def _page(user: User, values: dict[str, str], errors: dict[str, str], saved: bool = False,
          status: int = 200) -> Template:
    context = {"user": user, "values": values, "errors": errors, "saved": saved, "timezones": clinics.timezones(),
               "common_numbers": clinics.COMMON_EMERGENCY_NUMBERS}
    return Template("clinic/settings.html", context=context, status_code=status, headers=NO_STORE)


@get("/clinic/settings", guards=[admin_only])
async def settings_page(request: Request[Any, Any, Any], state: State) -> Template:
    async with transaction(state.sessions) as db:
        clinic = await db.get(Clinic, request.user.clinic_id)
    values = {name: str(getattr(clinic, name) or "") for name in FIELDS}
    return _page(request.user, values, {}, saved="saved" in request.query_params)


@post("/clinic/settings", guards=[admin_only])
async def save_settings(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    try:
        async with transaction(state.sessions) as db:
            await clinics.update_settings(db, request.user, now=utcnow(), address=client_address(request), **values)
    except clinics.ClinicError as exc:
        return _page(request.user, values, {exc.field: str(exc)}, status=422)
    return Redirect(path="/clinic/settings?saved", status_code=303)


SETTINGS_ROUTES = [settings_page, save_settings]
