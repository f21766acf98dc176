"""Static files under content-hashed names, cached for a year; no cookies on them.

Pages link ``/static/app.3f2a9c1b0d.css`` (``static_url("app.css")``): the name
changes whenever the file does, so a browser may keep it for a year without
asking again (``immutable``), and a new release is fetched at once. The plain
name (``/static/app.css``) and a name with an older hash still answer, with the
current file and ``no-cache``, so a page or a service worker from the last
release keeps working; they are checked again on each use instead of kept.

The names are worked out once, when the app is built, from the files shipped in
``web/static``; only those files are ever served. The session, CSRF and cookie
machinery stays away from ``/static/`` (``server.auth``, ``exclude_from_csrf``).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DIGEST_CHARS = 10
# "app.3f2a9c1b0d.css" -> ("app", "css"): a name with a hash of this length before its extension.
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_CHARS}}})\.(?P<ext>[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class StaticFiles:
    root: Path
    hashed: dict[str, str]   # "pwa/entry.js" -> "pwa/entry.0a1b2c3d4e.js"

    def url(self, name: str) -> str:
        """The hashed address of a shipped file; a name that is not shipped is an error in a template."""
        return "/static/" + self.hashed[name]

    def find(self, requested: str) -> tuple[Path, bool] | None:
        """(file, whether the request named its current hash) or None if no such file is shipped."""
        if requested in self.hashed:  # the plain name
            return self.root / requested, False
        folder, _, name = requested.rpartition("/")
        match = _HASHED.match(name)
        if match is None:
            return None
        plain = (folder + "/" if folder else "") + f"{match['stem']}.{match['ext']}"
        if plain not in self.hashed:
            return None
        return self.root / plain, self.hashed[plain] == requested


def scan(root: Path) -> StaticFiles:
    """The hashed name of every file under ``root`` that has an extension (all that ship do)."""
    hashed = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix):
        name = path.relative_to(root).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARS]
        hashed[name] = f"{name.removesuffix(path.suffix)}.{digest}{path.suffix}"
    return StaticFiles(root=root, hashed=hashed)


@get("/static/{file_path:path}", include_in_schema=False, exclude_from_csrf=True, sync_to_thread=False)
def static_file(request: Request, file_path: FromPath[str]) -> File:  # type: ignore[type-arg]
    files: StaticFiles = request.app.state.static
    found = files.find(file_path.lstrip("/"))
    if found is None:
        raise NotFoundException()
    path, current = found
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"  # text/* gets its charset added
    return File(path=path, media_type=media_type, content_disposition_type="inline",
                headers={"cache-control": IMMUTABLE if current else REVALIDATE})
