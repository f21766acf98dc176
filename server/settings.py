"""Settings, read from the environment once and passed to whatever needs them.

Every variable is declared once in ``VARIABLES`` with its meaning; the README
lists them and a test checks that each one is documented there.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from diary.codes import code_key
from diary.db import normalise_url, sqlite_url
from diary.ratelimit import Limit

VARIABLES: dict[str, str] = {
    "DIARY_DATA_DIR": "Directory for the SQLite database and exports (default ./var).",
    "DIARY_DATABASE_URL": "Database URL; unset means SQLite in DIARY_DATA_DIR. Use postgresql://... for PostgreSQL.",
    "DIARY_SECRET_KEY": "Secret for CSRF tokens; required unless DIARY_DEV=true.",
    "DIARY_DEV": "true for local development: insecure cookies allowed, a fixed development secret (default false).",
    "DIARY_SECURE_COOKIES": "true/false; default true outside development. Needs HTTPS in front of the app.",
    "DIARY_ENROLMENT_CODE_DAYS": "Days an enrolment code stays valid (default 14).",
    "DIARY_MAX_BODY_BYTES": "Largest request body accepted, in bytes (default 262144).",
    "DIARY_DEFAULT_SPEED_M_PER_MIN": "Walking speed used to estimate metres from minutes when the patient has no GPS walks (default 50).",
    "DIARY_WEBAUTHN_ORIGIN": "The site's address as the browser sees it, like https://diary.example.org, for passkeys. "
                             "Unset: passkeys are off, except in development, where the request's own address is used.",
    "DIARY_WEBAUTHN_RP_ID": "The domain passkeys are bound to (default: the host of DIARY_WEBAUTHN_ORIGIN).",
    "DIARY_PUBLIC_URL": "The site's address as patients and staff reach it, like https://diary.example.org: links in "
                        "invitations, enrolment letters and QR codes are built from it, and requests for any other "
                        "host are refused. Required outside development.",
    "DIARY_TRUSTED_PROXIES": "Addresses (or networks) of the reverse proxies whose X-Forwarded-For and "
                             "X-Forwarded-Proto are believed, comma-separated (default: none).",
    "DIARY_CLIENT_TIMEOUT_S": "Seconds a client has to send a whole request body; a slower one gets 408 (default 20).",
    "DIARY_SQLITE_MAX_MB": "Largest size the SQLite database may grow to, in MB; past it, writes answer 503 as on a "
                           "full disk (default: no limit).",
}

DEV_SECRET = "development-only-secret-not-for-real-use-0000000000"


class SettingsError(ValueError):
    """A variable has a value the app cannot use; the message names it."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _webauthn(env: Mapping[str, str], dev: bool) -> tuple[str, str]:
    """The passkey origin and RP id: the RP id must be the origin's host or a domain it belongs to."""
    origin = (env.get("DIARY_WEBAUTHN_ORIGIN") or "").rstrip("/")
    rp_id = (env.get("DIARY_WEBAUTHN_RP_ID") or "").lower()
    if not origin:
        if rp_id:
            raise SettingsError("DIARY_WEBAUTHN_RP_ID needs DIARY_WEBAUTHN_ORIGIN too")
        return "", ""
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or parts.path or parts.query or parts.fragment:
        raise SettingsError(f"DIARY_WEBAUTHN_ORIGIN must be like https://diary.example.org, not {origin!r}")
    if parts.scheme == "http" and not dev and host != "localhost":
        raise SettingsError("DIARY_WEBAUTHN_ORIGIN must use https outside development")
    rp_id = rp_id or host
    if host != rp_id and not host.endswith("." + rp_id):
        raise SettingsError(f"DIARY_WEBAUTHN_RP_ID {rp_id!r} must be the host of DIARY_WEBAUTHN_ORIGIN or a domain it is in")
    return origin, rp_id


def _public_url(env: Mapping[str, str], dev: bool) -> str:
    url = (env.get("DIARY_PUBLIC_URL") or "").rstrip("/")
    if not url:
        if not dev:
            raise SettingsError("DIARY_PUBLIC_URL must be set outside development, like https://diary.example.org: "
                                "links are built from it and other hosts are refused")
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise SettingsError(f"DIARY_PUBLIC_URL must be like https://diary.example.org, not {url!r}")
    if parts.scheme == "http" and not dev:
        raise SettingsError("DIARY_PUBLIC_URL must use https outside development")
    return url


def _proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = [p.strip() for p in (env.get("DIARY_TRUSTED_PROXIES") or "").split(",") if p.strip()]
    for proxy in raw:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(f"DIARY_TRUSTED_PROXIES: {proxy!r} is not an address or a network") from None
    return tuple(raw)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = field(default=DEV_SECRET, repr=False)
    dev: bool = False
    secure_cookies: bool = True
    enrolment_code_valid: timedelta = timedelta(days=14)
    max_body_bytes: int = 256 * 1024
    default_speed_m_per_min: float = 50.0
    # Sessions: a clinician is signed out after 30 idle minutes; a patient who
    # ticks "keep me signed in on this phone" stays signed in for 90 days.
    staff_idle: timedelta = timedelta(minutes=30)
    staff_absolute: timedelta = timedelta(hours=12)
    patient_idle: timedelta = timedelta(hours=12)
    patient_absolute: timedelta = timedelta(days=7)
    patient_keep_signed_in: timedelta = timedelta(days=90)
    session_touch_after: timedelta = timedelta(minutes=1)
    # Passkeys: the site's origin and the RP id (domain) they are bound to.
    # Empty: passkeys are off, except in development (see ``passkeys_on``).
    webauthn_origin: str = ""
    webauthn_rp_id: str = ""
    # Failed attempts allowed before answering 429 (counted in the database,
    # so across every app process): sign-in per address and per account, and
    # enrolment or invitation codes per address.
    # The site's own address (links in letters and invitations; other hosts refused outside development).
    public_url: str = ""
    # Reverse proxies whose forwarded headers are believed; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # A client that has not sent its whole body by then gets 408: nothing waits on it.
    client_timeout: timedelta = timedelta(seconds=20)
    # A cap on the SQLite database's size (None: only the disk's own).
    sqlite_max_bytes: int | None = None
    # A fresh proof (the password, or a passkey) is needed to add a passkey within this long.
    fresh_proof: timedelta = timedelta(minutes=5)
    signin_address_limit: Limit = Limit(attempts=30, window=timedelta(minutes=15))
    signin_account_limit: Limit = Limit(attempts=10, window=timedelta(minutes=15))
    code_address_limit: Limit = Limit(attempts=10, window=timedelta(hours=1))

    @property
    def db_url(self) -> str:
        return normalise_url(self.database_url) if self.database_url else sqlite_url(self.data_dir)

    @property
    def code_key(self) -> bytes:
        """The key single-use codes are hashed with (``diary.codes.code_hash``)."""
        return code_key(self.secret_key)

    @property
    def cookie_prefix(self) -> str:
        # The __Host- prefix makes the browser refuse the cookie unless it is
        # Secure, host-only and for path /, so it can only be set over HTTPS.
        return "__Host-" if self.secure_cookies else ""

    @property
    def passkeys_on(self) -> bool:
        """Development derives the origin from each request; elsewhere it must be configured."""
        return bool(self.webauthn_origin) or self.dev

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        dev = _bool(env, "DIARY_DEV", False)
        secret = env.get("DIARY_SECRET_KEY", "")
        if not secret:
            if not dev:
                raise SettingsError("DIARY_SECRET_KEY must be set (or DIARY_DEV=true for local development)")
            secret = DEV_SECRET
        elif len(secret) < 32:
            raise SettingsError("DIARY_SECRET_KEY must be at least 32 characters")
        database_url = env.get("DIARY_DATABASE_URL", "")
        if database_url:
            try:
                normalise_url(database_url)
            except Exception as exc:
                raise SettingsError(f"DIARY_DATABASE_URL is not usable: {exc}") from None
        webauthn_origin, webauthn_rp_id = _webauthn(env, dev)
        secure_cookies = _bool(env, "DIARY_SECURE_COOKIES", not dev)
        if not secure_cookies and not dev:
            raise SettingsError("DIARY_SECURE_COOKIES=false is refused outside development: sessions would travel "
                                "without HTTPS. Put the app behind HTTPS, or use DIARY_DEV=true on your own machine")
        max_mb = _number(env, "DIARY_SQLITE_MAX_MB", 0, 1, 10_000_000) if env.get("DIARY_SQLITE_MAX_MB") else 0
        return cls(
            data_dir=Path(env.get("DIARY_DATA_DIR") or "var"),
            database_url=database_url,
            secret_key=secret,
            dev=dev,
            secure_cookies=secure_cookies,
            enrolment_code_valid=timedelta(days=_number(env, "DIARY_ENROLMENT_CODE_DAYS", 14, 1, 90)),
            max_body_bytes=int(_number(env, "DIARY_MAX_BODY_BYTES", 256 * 1024, 1024, 10 * 1024 * 1024)),
            default_speed_m_per_min=_number(env, "DIARY_DEFAULT_SPEED_M_PER_MIN", 50.0, 10, 150),
            webauthn_origin=webauthn_origin,
            webauthn_rp_id=webauthn_rp_id,
            public_url=_public_url(env, dev),
            trusted_proxies=_proxies(env),
            client_timeout=timedelta(seconds=_number(env, "DIARY_CLIENT_TIMEOUT_S", 20, 0.1, 3600)),
            sqlite_max_bytes=int(max_mb * 1024 * 1024) if max_mb else None,
        )
