"""Every route of the app, by area."""

from server.routes.api import API_ROUTES
from server.routes.audit_pages import AUDIT_ROUTES
from server.routes.auth_pages import AUTH_ROUTES
from server.routes.clinic_admin import ADMIN_ROUTES
from server.routes.clinic_patient import PATIENT_ROUTES
from server.routes.clinic_queue import QUEUE_ROUTES
from server.routes.diary_pages import DIARY_ROUTES
from server.routes.exports import EXPORT_ROUTES
from server.routes.home import HOME_ROUTES
from server.routes.my_data import MY_DATA_ROUTES
from server.routes.passkeys import PASSKEY_ROUTES
from server.routes.pwa import PWA_ROUTES

ROUTES = [*HOME_ROUTES, *AUTH_ROUTES, *DIARY_ROUTES, *API_ROUTES, *QUEUE_ROUTES, *PATIENT_ROUTES, *ADMIN_ROUTES, *PWA_ROUTES, *EXPORT_ROUTES,
          *AUDIT_ROUTES, *MY_DATA_ROUTES, *PASSKEY_ROUTES]
