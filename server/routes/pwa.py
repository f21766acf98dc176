"""The phone app: the web app manifest, the service worker, the offline pages and the GPS walk.

The service worker (``/sw.js``) caches the app shell only: styles, scripts,
icons and the offline pages, which are rendered for no one and hold no health
data. Its cache name carries a hash of the shell, so a new release replaces
the old cache. Pages under ``/diary``, ``/api`` and ``/clinic`` are never
cached by it, and are sent ``Cache-Control: no-store`` as before.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.response import Template

from diary import store
from diary.db import transaction
from diary.models import Clinic
from diary.zones import zone_of
from server import forms
from server.auth import patient_of, patient_only, utcnow
from server.static_files import StaticFiles

NO_STORE = {"cache-control": "no-store"}
THEME_COLOUR = "#0b5394"
BACKGROUND_COLOUR = "#f2f5f9"

# Blank forms, for logging with no connection: the service worker shows them
# in place of the page the patient asked for.
SHELL_PAGES = {
    "/diary/walks/new": "/offline/walk",
    "/diary/check-ins/new": "/offline/check-in",
    "/diary/walks/start": "/offline/gps",
}
ICONS = (
    ("icon-192.png", 192, "any"), ("icon-512.png", 512, "any"),
    ("maskable-192.png", 192, "maskable"), ("maskable-512.png", 512, "maskable"),
)


def _web() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "web"


def shell_assets(static: StaticFiles) -> list[str]:
    """Static files of the app shell, as the pages link them (their content-hashed URLs)."""
    root = _web() / "static"
    files = [root / "app.css", *sorted(root.glob("*.js")),  # app.js, htmx, passkey.js: every page links them
             *sorted((root / "pwa").glob("*.js")), *sorted((root / "pwa" / "icons").glob("*.png"))]
    return [static.url(f.relative_to(root).as_posix()) for f in files]


def shell_urls(static: StaticFiles) -> tuple[str, ...]:
    return (*shell_assets(static), "/offline", *SHELL_PAGES.values())


def _signature() -> tuple[tuple[str, int, int], ...]:
    web = _web()
    paths = [web / "templates" / "pwa" / "sw.js", *(web / "static").rglob("*"), *(web / "templates").rglob("*")]
    return tuple(sorted({(p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.is_file()}))


@lru_cache(maxsize=4)
def _worker_for(signature: tuple[tuple[str, int, int], ...], pace: float, shell: tuple[str, ...] = ()) -> str:
    web = _web()
    digest = hashlib.sha256()
    for path, _, _ in signature:
        digest.update(path.removeprefix(web.as_posix()).encode())
        digest.update(Path(path).read_bytes())
    source = (web / "templates" / "pwa" / "sw.js").read_text(encoding="utf-8")
    return (source.replace("__VERSION__", digest.hexdigest()[:16])
            .replace("__SHELL__", json.dumps(list(shell)))
            .replace("__FALLBACKS__", json.dumps(SHELL_PAGES))
            .replace("__PACE__", json.dumps(pace)))


def service_worker_source(pace: float, static: StaticFiles) -> str:
    """The service worker, with the shell's version (a hash of the web files) and URLs filled in."""
    return _worker_for(_signature(), pace, shell_urls(static))


@get("/sw.js", media_type="application/javascript", include_in_schema=False)
async def service_worker(state: State) -> Response[str]:
    # Served from the root so it may control every page; the browser checks
    # it for a new version at every navigation.
    return Response(service_worker_source(state.settings.default_speed_m_per_min, state.static),
                    media_type="application/javascript",
                    headers={"cache-control": "no-cache", "service-worker-allowed": "/"})


def manifest() -> dict[str, Any]:
    return {
        "id": "/diary",
        "name": "Walking Diary",
        "short_name": "Walk Diary",
        "description": "Log your walks and how your legs feel, even with no signal. "
                       "The phone can measure the walk for you.",
        "lang": "en-GB",
        "dir": "ltr",
        "start_url": "/diary",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "medical"],
        "icons": [{"src": f"/static/pwa/icons/{name}", "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": purpose} for name, size, purpose in ICONS],
    }


@get("/manifest.webmanifest", include_in_schema=False)
async def web_manifest() -> Response[str]:
    return Response(json.dumps(manifest(), indent=2), media_type="application/manifest+json",
                    headers={"cache-control": "no-cache"})


@get("/offline", include_in_schema=False)
async def offline(request: Request[Any, Any, Any]) -> Template:
    """No connection. Also read by the phone's script for a fresh CSRF token."""
    return Template("pwa/offline.html", context={"user": request.scope.get("user"), "shell": True}, headers=NO_STORE)


def _blank() -> dict[str, Any]:
    """Values of a blank form. Kept on the phone: no id, no time (its script fills both in)."""
    return {"id": "", "walked_at": "", "recorded_at": "", "unit": "m", "terrain": "flat", "pain_sites": [],
            "sensations": [], "source": "manual"}


def _form(template: str, values: dict[str, Any], **extra: Any) -> Template:
    context = {"user": None, "shell": True, "values": values, "errors": {}, "editing": False, "timezone": "",
               "quick_distances": forms.QUICK_DISTANCES, **extra}
    return Template(template, context=context, headers=NO_STORE)


@get("/offline/walk", include_in_schema=False)
async def offline_walk() -> Template:
    return _form("diary/walk_form.html", _blank())


@get("/offline/check-in", include_in_schema=False)
async def offline_check_in() -> Template:
    return _form("diary/check_in_form.html", _blank())


@get("/offline/gps", include_in_schema=False)
async def offline_gps() -> Template:
    return _form("diary/gps_walk.html", _blank())


@get("/diary/walks/start", guards=[patient_only])
async def gps_walk(request: Request[Any, Any, Any], state: State) -> Template:
    """Start a walk: the phone measures it, then the walk form opens filled in."""
    async with transaction(state.sessions) as db:
        patient = await patient_of(db, request.user)
        clinic = await db.get(Clinic, patient.clinic_id)
        pace = await store.gps_speed_m_per_min(db, patient.id) or state.settings.default_speed_m_per_min
    zone = zone_of(request.user, clinic)
    values = {"id": str(uuid.uuid4()), "walked_at": forms.local_now(zone, utcnow()), "unit": "m",
              "terrain": "flat", "pain_sites": [], "sensations": []}
    context = {"user": request.user, "values": values, "errors": {}, "editing": False, "timezone": zone,
               "quick_distances": forms.QUICK_DISTANCES, "pace": pace}
    return Template("diary/gps_walk.html", context=context, headers=NO_STORE)


PWA_ROUTES = [service_worker, web_manifest, offline, offline_walk, offline_check_in, offline_gps, gps_walk]
