"""``create_app(settings)``: the whole application assembled in one place.

Read top to bottom: database, static files, templates, CSRF, security headers,
the session middleware, compression, routes, error pages. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.logging.config import LoggingConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.template.config import TemplateConfig

from diary.db import make_engine, make_sessionmaker
from server import auth, errors
from server.headers import security_headers
from server.request_guard import RequestGuard
from server.strict_forms import forget_form_bodies
from server.routes import ROUTES
from server.scheduler import build_scheduler, clinic_timezones
from server.settings import Settings
from server.static_files import scan, static_file
from server.templating import install_filters


def web_dir() -> Path:
    """Templates and static files: ``web/`` is installed beside ``server/`` (package data)."""
    return Path(__file__).resolve().parent.parent / "web"


def allowed_hosts(settings: Settings) -> AllowedHostsConfig | None:
    """Outside development, only the public URL's host (absolute links are built from it, never
    from a request's Host header). The health checks answer a load balancer on any host."""
    if settings.dev or not settings.public_url:
        return None
    return AllowedHostsConfig(allowed_hosts=[urlsplit(settings.public_url).hostname or ""],
                              exclude=["^/healthz$", "^/readyz$"], www_redirect=False)


def create_app(settings: Settings, *, run_scheduler: bool = False) -> Litestar:
    """The app. ``run_scheduler`` runs the scheduled jobs in this process (``diary serve``)."""
    engine = make_engine(settings.db_url, sqlite_max_bytes=settings.sqlite_max_bytes)
    sessions = make_sessionmaker(engine, code_key=settings.code_key)
    static = scan(web_dir() / "static")
    # A database outage is logged as one traceback, then a line a second (server.errors.OutageLog).
    outage = errors.OutageLog(logging.getLogger("diary.outage"))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        scheduler = None
        if run_scheduler:
            scheduler = build_scheduler(sessions, settings.data_dir, await clinic_timezones(sessions))
        if scheduler is not None:
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await engine.dispose()

    templates = TemplateConfig(
        directory=web_dir() / "templates", engine=JinjaTemplateEngine,
        engine_callback=lambda engine: install_filters(engine, static),
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=f"{settings.cookie_prefix}csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=False,  # the page script reads it to send the x-csrftoken header
        cookie_samesite="lax",
        header_name="x-csrftoken",
    )
    app = Litestar(
        route_handlers=[
            *ROUTES,
            static_file,  # under content-hashed names (server.static_files)
        ],
        lifespan=[lifespan],
        # The guard first: a malformed address, an impossible id or a slow body is refused
        # before anything else, and the whole body is read before any handler runs.
        middleware=[RequestGuard(settings.client_timeout.total_seconds(), settings.max_body_bytes,
                                 on_answer=outage.answered),
                    auth.SessionMiddleware()],
        allowed_hosts=allowed_hosts(settings),
        # Every response, errors and unknown paths included, gets the security headers.
        before_send=[security_headers(hsts=settings.secure_cookies)],
        after_response=forget_form_bodies,
        csrf_config=csrf,
        # gzip above 500 bytes. Pages carry the CSRF token, but BREACH has nothing to
        # guess: a request another site makes carries neither cookie (SameSite=Lax),
        # so its answer holds a fresh, random token (SECURITY.md).
        # Level 6, zlib's default: level 9 (Litestar's default) spent a tenth of a
        # patient page's time compressing it, for about 1% fewer bytes.
        compression_config=CompressionConfig(backend="gzip", gzip_compress_level=6),
        template_config=templates,
        plugins=[HTMXPlugin()],
        openapi_config=OpenAPIConfig(
            title="Walking Diary API", version="1", path="/schema", render_plugins=[JsonRenderPlugin()],
        ),
        exception_handlers={
            NotAuthorizedException: auth.redirect_to_login,
            NotFoundException: errors.not_found,
            400: errors.bad_request,
            # Anything else: 503 with Retry-After when the database cannot answer, else 500.
            500: errors.server_error,
        },
        request_max_body_size=settings.max_body_bytes,
        # Tracebacks are logged, never request bodies: those hold health data (and the
        # engines hide statements' parameters). An outage is logged without flooding.
        logging_config=LoggingConfig(log_exceptions="always", exception_logging_handler=outage.log_exception,
                                     disable_stack_trace={400, 401, 403, 404, 405, 408, 413, 422, 429}),
        debug=False,
        state=State({"settings": settings, "engine": engine, "sessions": sessions, "static": static,
                     "outage": outage}),
    )
    return app
