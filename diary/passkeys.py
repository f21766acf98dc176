"""Passkeys (WebAuthn): an optional way to sign in without a password.

User verification (a fingerprint, a face or the phone's PIN) is required at
registration and at every sign-in, so a passkey alone is a whole sign-in.
Challenges are kept in the database (``AuthChallenge``), keyed by the hash of
a random token the browser sends back, so any app process can finish what
another began. Each challenge lives five minutes and is consumed once by a
conditional delete: of two uses, even in two processes, only one finds it.

The relying party (its id, name and origin) is passed in; nothing here knows
about HTTP. Failures raise ``PasskeyError`` with a plain message for the
person and a short ``reason`` for the audit log.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import webauthn
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria, AuthenticatorTransport, PublicKeyCredentialDescriptor,
    ResidentKeyRequirement, UserVerificationRequirement,
)

from diary.models import AuthChallenge, Passkey, User

CHALLENGE_LIFETIME = timedelta(minutes=5)
REGISTER, AUTHENTICATE = "register", "authenticate"
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}
TRY_AGAIN = "Please try again."
MAX_CREDENTIAL_ID = 1400
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class RelyingParty:
    """Who asks for the passkey: ``id`` is the domain the passkey is bound to, ``origin`` the site's URL."""

    id: str
    name: str
    origin: str


class PasskeyError(ValueError):
    """A passkey step was refused. ``reason`` is for the audit log; the message is for the person."""

    def __init__(self, message: str, reason: str, passkey: Passkey | None = None):
        self.reason = reason
        self.passkey = passkey
        super().__init__(message)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def user_handle(user_id: int) -> bytes:
    """The WebAuthn user handle: the account's number, no email or name (it is stored on the authenticator)."""
    return str(user_id).encode()


async def for_user(session: AsyncSession, user_id: int) -> list[Passkey]:
    """The user's passkeys, newest first."""
    query = select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at.desc(), Passkey.id.desc())
    return list((await session.execute(query)).scalars())


async def remove(session: AsyncSession, user_id: int, passkey_id: int) -> Passkey | None:
    """Remove one of the user's passkeys; None when the user has no passkey with that id."""
    passkey = (await session.execute(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id))).scalar_one_or_none()
    if passkey is not None:
        await session.execute(delete(Passkey).where(Passkey.id == passkey.id))
    return passkey


# --- challenges -------------------------------------------------------------------


async def _new_challenge(session: AsyncSession, purpose: str, now: datetime, user_id: int | None) -> tuple[str, bytes]:
    """Store a fresh challenge; returns the token that names it (for the browser) and the challenge."""
    await session.execute(delete(AuthChallenge).where(AuthChallenge.expires_at <= now))
    token, challenge = secrets.token_urlsafe(32), secrets.token_bytes(32)
    session.add(AuthChallenge(token_hash=_sha256(token), purpose=purpose, challenge=bytes_to_base64url(challenge),
                              user_id=user_id, created_at=now, expires_at=now + CHALLENGE_LIFETIME))
    await session.flush()
    return token, challenge


async def _consume_challenge(
    session: AsyncSession, token: str, purpose: str, now: datetime, user_id: int | None = None,
) -> bytes:
    """The challenge the token names, deleted so it can never be used again."""
    row = (await session.execute(select(AuthChallenge).where(
        AuthChallenge.token_hash == _sha256(token), AuthChallenge.purpose == purpose))).scalar_one_or_none()
    if row is None:
        raise PasskeyError(f"This request was already used or is not known. {TRY_AGAIN}", "challenge_unknown")
    # The conditional delete is the claim: a second use, in any process, deletes nothing.
    claimed = await session.execute(delete(AuthChallenge).where(AuthChallenge.id == row.id))
    if claimed.rowcount != 1:
        raise PasskeyError(f"This request was already used. {TRY_AGAIN}", "challenge_used")
    if now >= row.expires_at:
        raise PasskeyError(f"This request took too long and has expired. {TRY_AGAIN}", "challenge_expired")
    if row.user_id != user_id:
        raise PasskeyError(f"This request was not made for you. {TRY_AGAIN}", "challenge_other_user")
    return base64url_to_bytes(row.challenge)


def _options_json(options: Any) -> dict[str, Any]:
    return json.loads(webauthn.options_to_json(options))


# --- registration -------------------------------------------------------------------


async def registration_options(
    session: AsyncSession, rp: RelyingParty, user: User, now: datetime,
) -> tuple[str, dict[str, Any]]:
    """Options for ``navigator.credentials.create()`` (as JSON) and the token to send back with the answer."""
    token, challenge = await _new_challenge(session, REGISTER, now, user.id)
    existing = await for_user(session, user.id)
    options = webauthn.generate_registration_options(
        rp_id=rp.id, rp_name=rp.name, user_id=user_handle(user.id), user_name=user.email,
        user_display_name=user.display_name or user.email, challenge=challenge,
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in existing],
    )
    return token, _options_json(options)


async def finish_registration(
    session: AsyncSession, rp: RelyingParty, user: User, token: str, credential: dict[str, Any], now: datetime,
    name: str = "",
) -> Passkey:
    """Verify the authenticator's answer and keep the new passkey."""
    challenge = await _consume_challenge(session, token, REGISTER, now, user.id)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            require_user_verification=True,
        )
    except Exception as exc:  # noqa: BLE001 - whatever fails to verify is refused, never a 500
        raise PasskeyError(f"The passkey could not be checked. {TRY_AGAIN}", _reason(exc)) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    taken = (await session.execute(select(Passkey.id).where(Passkey.credential_id == credential_id))).first()
    if taken is not None:
        raise PasskeyError("This passkey is already registered.", "credential_exists")
    response = credential.get("response") if isinstance(credential.get("response"), dict) else {}
    transports = [t for t in response.get("transports") or [] if isinstance(t, str) and t in KNOWN_TRANSPORTS]
    passkey = Passkey(
        user_id=user.id, credential_id=credential_id, public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count, transports=transports, aaguid=verified.aaguid,
        backed_up=verified.credential_backed_up, name=(name.strip() or "Passkey")[:100], created_at=now,
    )
    session.add(passkey)
    await session.flush()
    return passkey


# --- authentication -----------------------------------------------------------------


async def authentication_options(
    session: AsyncSession, rp: RelyingParty, now: datetime, user: User | None = None,
) -> tuple[str, dict[str, Any]]:
    """Options for ``navigator.credentials.get()``. To sign in, no account is named and the phone
    offers its passkeys for this site; to confirm a signed-in ``user``, only theirs are allowed."""
    token, challenge = await _new_challenge(session, AUTHENTICATE, now, user.id if user else None)
    allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
               for p in await for_user(session, user.id)] if user else None
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, challenge=challenge, timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        user_verification=UserVerificationRequirement.REQUIRED, allow_credentials=allowed,
    )
    return token, _options_json(options)


async def finish_authentication(
    session: AsyncSession, rp: RelyingParty, token: str, credential: dict[str, Any], now: datetime,
    user_id: int | None = None,
) -> tuple[Passkey, User]:
    """Verify a passkey: a sign-in, or (``user_id``) a signed-in person confirming it is them with
    one of their own. The passkey (its counter and last use updated) and its active user."""
    challenge = await _consume_challenge(session, token, AUTHENTICATE, now, user_id)
    credential_id = credential.get("id")
    found = None
    if isinstance(credential_id, str) and 0 < len(credential_id) <= MAX_CREDENTIAL_ID \
            and _BASE64URL.fullmatch(credential_id):
        found = (await session.execute(select(Passkey, User).join(User, User.id == Passkey.user_id)
                                       .where(Passkey.credential_id == credential_id))).first()
    if found is None or (user_id is not None and found[0].user_id != user_id):
        raise PasskeyError("This passkey is not known here: it may have been removed. "
                           "Sign in with your email and password instead.", "credential_unknown")
    passkey, user = found
    handle = (credential.get("response") or {}).get("userHandle") if isinstance(credential.get("response"), dict) else None
    try:
        if handle and base64url_to_bytes(handle) != user_handle(user.id):
            raise PasskeyError(f"The passkey could not be checked. {TRY_AGAIN}", "user_handle_mismatch", passkey)
        # The counter is checked below, once the signature is known to be good.
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key), credential_current_sign_count=0,
            require_user_verification=True,
        )
    except Exception as exc:  # noqa: BLE001 - whatever fails to verify is refused, never a 500
        raise PasskeyError(f"The passkey could not be checked. {TRY_AGAIN}", _reason(exc), passkey) from None
    if not user.is_active or user.erased_at is not None:
        raise PasskeyError("This account is closed. Please ask your care team.", "account_inactive", passkey)
    if (verified.new_sign_count or passkey.sign_count) and verified.new_sign_count <= passkey.sign_count:
        # An authenticator's counter only goes up; one that did not may be a copy of the passkey.
        raise PasskeyError("This passkey could not be trusted. Sign in with your email and password, "
                           "and remove the passkey on your account page.", "sign_count_not_increased", passkey)
    passkey.sign_count, passkey.last_used_at = verified.new_sign_count, now
    passkey.backed_up = verified.credential_backed_up
    await session.execute(update(Passkey).where(Passkey.id == passkey.id).values(
        sign_count=passkey.sign_count, last_used_at=now, backed_up=passkey.backed_up))
    return passkey, user


def _reason(exc: Exception) -> str:
    """A short reason for the audit log, from the library's message (it names what failed, never a secret)."""
    if isinstance(exc, PasskeyError):
        return exc.reason
    text = str(exc).lower()
    for needle, reason in (("origin", "wrong_origin"), ("rp id", "wrong_rp_id"),
                           ("user verification", "no_user_verification"), ("not present", "no_user_presence"),
                           ("challenge", "wrong_challenge"), ("signature", "bad_signature")):
        if needle in text:
            return reason
    return "malformed"
