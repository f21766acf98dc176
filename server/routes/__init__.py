"""Every route of the app, by area.

Only the JSON API under ``/api/`` is in the OpenAPI schema: the pages answer
people with HTML and are no API, so every other route, whatever its area, is
grouped in a router that is left out of the schema. That router also reads
forms strictly (``server.strict_forms``).
"""

from collections.abc import Sequence
from typing import Any

from litestar import Router

from server.strict_forms import StrictFormRequest, unreadable_form
from server.routes.account import ACCOUNT_ROUTES
from server.routes.api import API_ROUTES
from server.routes.audit_pages import AUDIT_ROUTES
from server.routes.auth_pages import AUTH_ROUTES
from server.routes.clinic_admin import ADMIN_ROUTES
from server.routes.clinic_measurements import MEASUREMENT_ROUTES
from server.routes.clinic_patient import PATIENT_ROUTES
from server.routes.clinic_queue import QUEUE_ROUTES
from server.routes.clinic_settings import SETTINGS_ROUTES
from server.routes.diary_pages import DIARY_ROUTES
from server.routes.exports import EXPORT_ROUTES
from server.routes.home import HOME_ROUTES
from server.routes.my_data import MY_DATA_ROUTES
from server.routes.passkeys import PASSKEY_ROUTES
from server.routes.patient_details import DETAILS_ROUTES
from server.routes.pwa import PWA_ROUTES

ROUTES = [*HOME_ROUTES, *AUTH_ROUTES, *DIARY_ROUTES, *API_ROUTES, *QUEUE_ROUTES, *PATIENT_ROUTES, *ADMIN_ROUTES, *PWA_ROUTES, *EXPORT_ROUTES,
          *ACCOUNT_ROUTES, *PASSKEY_ROUTES, *AUDIT_ROUTES, *MY_DATA_ROUTES, *MEASUREMENT_ROUTES,
          *SETTINGS_ROUTES, *DETAILS_ROUTES]


def _is_api(route: Any) -> bool:
    """A handler (``paths``) or a router or controller (``path``) wholly under /api/."""
    paths = getattr(route, "paths", None) or {getattr(route, "path", "")}
    return all(path.startswith("/api/") for path in paths)


def only_the_api_in_schema(routes: Sequence[Any]) -> list[Any]:
    """The API routes as they are, and every other route in a router left out of the schema."""
    pages = Router(path="/", route_handlers=[route for route in routes if not _is_api(route)], include_in_schema=False,
                   request_class=StrictFormRequest, exception_handlers={UnicodeDecodeError: unreadable_form})
    return [*(route for route in routes if _is_api(route)), pages]


ROUTES = only_the_api_in_schema(ROUTES)
