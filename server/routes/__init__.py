"""Every route of the app, by area."""

from server.routes.api import API_ROUTES
from server.routes.auth_pages import AUTH_ROUTES
from server.routes.diary_pages import DIARY_ROUTES
from server.routes.home import HOME_ROUTES

ROUTES = [*HOME_ROUTES, *AUTH_ROUTES, *DIARY_ROUTES, *API_ROUTES]
