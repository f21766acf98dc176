"""Single-use codes: enrolment, recovery and invitation codes, and how they are stored.

A code is 10 characters from a 30-character alphabet (about 49 bits), shown as
``ABCDE-FGHJK``. It is stored as HMAC-SHA256 with a key derived from the secret
key, carried by the session (``diary.db.make_sessionmaker(code_key=...)``), so a
copy of the database alone gives no way to try codes offline. Codes issued
before migration 0009 were stored as plain SHA-256; they are marked ``sha256:``
and accepted until they are used or expire.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from diary.db import CODE_KEY

ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
ENROLMENT_LENGTH = 10


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{cleaned[:5]}-{cleaned[5:]}"


def code_key(secret_key: str) -> bytes:
    """The key enrolment, recovery and invitation codes are hashed with, derived from the secret key."""
    return hmac.new(secret_key.encode(), b"walking-diary single-use codes v1", hashlib.sha256).digest()


def code_hash(session: AsyncSession, code: str) -> str:
    """A code as it is stored: HMAC-SHA256 with the key the session carries (``make_sessionmaker``).
    A copy of the database alone gives no way to try the 49-bit codes offline."""
    key = session.info.get(CODE_KEY)
    if not key:
        raise RuntimeError("this sessionmaker has no code key: make_sessionmaker(engine, code_key=...)")
    return "hmac-sha256:" + hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def code_hashes(session: AsyncSession, code: str) -> list[str]:
    """What a code may be stored as: keyed, or (issued before migration 0009) plain SHA-256."""
    return [code_hash(session, code), "sha256:" + hashlib.sha256(normalise_code(code).encode()).hexdigest()]
