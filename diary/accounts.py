"""Users, passwords, server-side sessions and enrolment codes.

Passwords are hashed with argon2id. A session cookie carries a random token;
the database keeps only its SHA-256, so a copy of the database does not let
anyone sign in. Enrolment codes are stored hashed too, and are single-use.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from diary import audit, text
from diary.clinics import default_emergency_number
from diary.codes import code_hash, code_hashes, new_enrolment_code
from diary.models import AuthSession, Clinic, EnrolmentCode, Passkey, Patient, Role, User

MAX_EMAIL = 320
MIN_PASSWORD = 8
MAX_PASSWORD = 128

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# A real hash to verify against when the email is unknown, so a wrong email
# and a wrong password take the same time.
_DUMMY_HASH = _hasher.hash("walking-diary-timing-equaliser")


class AccountError(ValueError):
    """A problem a person can fix, with the field it concerns (and, for the audit log, a short reason)."""

    def __init__(self, field: str, message: str, reason: str = ""):
        self.field = field
        self.reason = reason
        super().__init__(message)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (from leaked password
    sets), plus a short list of our own (words of this product and of walking)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    text = resources.files("diary").joinpath("data/common-passwords.txt").read_text("utf-8")
    ours = (line.strip().lower() for line in text.splitlines() if line.strip())
    return frozenset((*FREQUENCY_LISTS["passwords"], *ours))


def check_password_rules(password: str, email: str = "") -> None:
    """ASVS: length 8 to 128, any characters, no composition rules, no common passwords."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("password", f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password", f"Use at most {MAX_PASSWORD} characters.")
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        raise AccountError("password", "This password is too common. Please choose another.")
    if len(set(password)) < 3:
        raise AccountError("password", "This password is too easy to guess: use more than one or two different "
                                       "characters. A short sentence is easy to remember.")
    if guessable_from_context(password, email):
        raise AccountError("password", "This password is too easy to guess: it is the name of this app, a word "
                                       "of its own, or your email. Please choose another.")


# Words an attacker tries first against this site: its own name and what it is about.
PRODUCT_WORDS = frozenset({
    "walkingdiary", "walking", "diary", "mydiary", "mywalkingdiary", "walkingdiaryapp", "claudication",
    "intermittentclaudication", "claudicationdiary", "legpain", "walkingpain", "vascular", "vascularclinic",
    "peripheralarterydisease", "arterydisease", "patient", "clinician", "clinic",
})


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


def guessable_from_context(password: str, email: str = "") -> bool:
    """The app's own words, or the email (or its name part), give or take spaces, digits and punctuation."""
    letters = _letters(password)
    if not letters:
        return False
    if letters in PRODUCT_WORDS:
        return True
    if email:
        local = email.split("@", 1)[0]
        return letters in {_letters(email), _letters(local)} - {""}
    return False


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def checked_email(email: str) -> str:
    """The email as kept (trimmed, lower case), or AccountError naming the field."""
    email = normalise_email(email)
    if "@" not in email or len(email) > MAX_EMAIL or text.has_control(email) or " " in email:
        raise AccountError("email", "Enter an email address, like name@example.com.")
    return email


def checked_name(name: str, field: str = "display_name") -> str:
    """A person's name as kept: one line of plain text, at most 200 characters."""
    try:
        return text.line(name, field)
    except text.TextError as exc:
        raise AccountError(field, exc.sentence) from None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def get_or_create_clinic(session: AsyncSession, name: str, timezone: str = "Europe/London") -> Clinic:
    try:
        name = text.line(name, "clinic")
    except text.TextError as exc:
        raise AccountError("clinic", exc.sentence) from None
    clinic = (await session.execute(select(Clinic).where(Clinic.name == name))).scalar_one_or_none()
    if clinic is None:
        clinic = Clinic(name=name, timezone=timezone, emergency_number=default_emergency_number(timezone))
        session.add(clinic)
        await session.flush()
    return clinic


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    if text.has_control(email) or len(email) > MAX_EMAIL:
        return None  # no account has such an email, and PostgreSQL would refuse a NUL in the query
    query = select(User).where(User.email == normalise_email(email))
    return (await session.execute(query)).scalar_one_or_none()


async def create_user(
    session: AsyncSession, *, clinic: Clinic, role: Role, email: str, password: str, now: datetime,
    display_name: str = "",
) -> User:
    email = checked_email(email)
    display_name = checked_name(display_name)
    check_password_rules(password, email)
    if await user_by_email(session, email) is not None:
        raise AccountError("email", "An account with this email already exists.")
    user = User(
        clinic_id=clinic.id, role=role, email=email, display_name=display_name,
        password_hash=hash_password(password), created_at=now, password_changed_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    user = await user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# --- sessions -----------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


async def start_session(
    session: AsyncSession, user: User, now: datetime, policy: SessionPolicy, keep_signed_in: bool = False,
    *, user_agent: str = "", method: str = "password",
) -> str:
    """Create a new server-side session and return its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=sha256(token), user_id=user.id, created_at=now, last_seen_at=now,
            expires_at=now + policy.absolute, keep_signed_in=keep_signed_in,
            user_agent=describe_device(user_agent), method=method, proved_at=now,
        )
    )
    await session.flush()
    return token


async def find_session(session: AsyncSession, token: str) -> tuple[AuthSession, User] | None:
    """The session with this token and its user, whatever their state (a read only)."""
    query = (
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == sha256(token))
    )
    found = (await session.execute(query)).first()
    return (found[0], found[1]) if found is not None else None


def session_is_live(auth: AuthSession, user: User, now: datetime, idle_limit: timedelta) -> bool:
    """Not past its absolute end, not idle too long, and its user still active."""
    return now < auth.expires_at and now - auth.last_seen_at < idle_limit and user.is_active


async def touch_session(session: AsyncSession, auth: AuthSession, now: datetime) -> None:
    await session.execute(update(AuthSession).where(AuthSession.id == auth.id).values(last_seen_at=now))


async def delete_session(session: AsyncSession, auth: AuthSession) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.id == auth.id))


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.token_hash == sha256(token)))


async def end_all_sessions(session: AsyncSession, user_id: int, keep_session_id: int | None = None) -> int:
    """End every session of the user (but ``keep_session_id``, if given); returns how many ended."""
    query = delete(AuthSession).where(AuthSession.user_id == user_id)
    if keep_session_id is not None:
        query = query.where(AuthSession.id != keep_session_id)
    result = await session.execute(query)
    return result.rowcount or 0


def proof_is_fresh(auth: AuthSession, now: datetime, window: timedelta) -> bool:
    """Did the person prove it is them on this session (sign-in, password, passkey) within ``window``?"""
    return auth.proved_at is not None and timedelta(0) <= now - auth.proved_at <= window


async def mark_proved(session: AsyncSession, auth: AuthSession, now: datetime) -> None:
    await session.execute(update(AuthSession).where(AuthSession.id == auth.id).values(proved_at=now))
    auth.proved_at = now


async def remove_passkeys(session: AsyncSession, user_id: int) -> int:
    """Remove every passkey of the user; returns how many."""
    result = await session.execute(delete(Passkey).where(Passkey.user_id == user_id))
    return result.rowcount or 0


async def sessions_of(session: AsyncSession, user_id: int) -> list[AuthSession]:
    """The user's signed-in sessions, most recently used first."""
    query = select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.last_seen_at.desc())
    return list((await session.execute(query)).scalars())


def describe_device(user_agent: str) -> str:
    """A short, plain name for a browser ("Chrome on Android"), enough to tell sessions apart."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                           ("Safari/", "Safari")) if key in ua), "")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                          ("Windows", "Windows"), ("Mac OS X", "Mac"), ("Linux", "Linux"))
                   if key in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return (browser or system or ua[:60]).strip()


async def change_password(session: AsyncSession, user: User, current: str, new: str, now: datetime) -> None:
    """Check the current password, apply the rules to the new one and store its hash."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current_password", "That is not your current password.")
    if new == current:
        raise AccountError("password", "Choose a password different from the current one.")
    check_password_rules(new, user.email)
    new_hash = hash_password(new)
    await session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash,
                                                                       password_changed_at=now))
    user.password_hash, user.password_changed_at = new_hash, now


# --- patients and enrolment -----------------------------------------------------


async def revoke_enrolment_codes(session: AsyncSession, patient: Patient, now: datetime) -> int:
    """Revoke every unused code of the patient; returns how many."""
    result = await session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.patient_id == patient.id, EnrolmentCode.used_at.is_(None),
               EnrolmentCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


async def issue_enrolment_code(
    session: AsyncSession, patient: Patient, now: datetime, valid_for: timedelta, created_by: int | None = None
) -> str:
    """A new code for the patient; any earlier unused code is revoked."""
    await revoke_enrolment_codes(session, patient, now)
    code = new_enrolment_code()
    session.add(
        EnrolmentCode(patient_id=patient.id, code_hash=code_hash(session, code), created_by=created_by,
                      created_at=now, expires_at=now + valid_for)
    )
    await session.flush()
    return code


async def redeem_enrolment_code(
    session: AsyncSession, code: str, email: str, password: str, now: datetime, address: str | None = None,
) -> User:
    """Use a code once: create the patient's account, or, for a patient who has one, recover it.

    Recovery (a lost phone, a forgotten password) needs the account's own email.
    It sets the new password, ends every session and removes every passkey, since a
    lost phone may hold one. Raises AccountError with a clear reason, and then
    nothing changes.
    """
    found = (
        await session.execute(
            select(EnrolmentCode, Patient)
            .join(Patient, Patient.id == EnrolmentCode.patient_id)
            .where(EnrolmentCode.code_hash.in_(code_hashes(session, code)))
        )
    ).first()
    if found is None:
        raise AccountError("code", "This code is not recognised. Check it against your letter, or ask your care team.")
    record, patient = found
    if record.revoked_at is not None:
        raise AccountError("code", "This code is no longer valid: it was withdrawn or replaced. "
                                   "Please ask your care team for a new one.")
    if record.used_at is not None:
        raise AccountError("code", "This code has already been used. Sign in with your email and password instead.")
    if now >= record.expires_at:
        raise AccountError("code", "This code has expired. Please ask your care team for a new one.")
    if patient.user_id is not None:
        user = await _recover_account(session, patient, email, password, now)
    else:
        clinic = await session.get(Clinic, patient.clinic_id)
        user = await create_user(
            session, clinic=clinic, role=Role.patient, email=email, password=password, now=now,
            display_name=patient.name,
        )
    # Conditional update: of two simultaneous uses of one code, only one wins.
    claimed = await session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.id == record.id, EnrolmentCode.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise AccountError("code", "This code has already been used. Sign in with your email and password instead.")
    recovered = patient.user_id is not None
    patient.user_id = user.id
    session.add(patient)
    await session.flush()
    if recovered:
        await audit.record(session, action="account.recovered", now=now, actor=user, patient_id=patient.id,
                           address=address)
    await audit.record(session, action="enrolment.code_used", now=now, actor=user, patient_id=patient.id,
                       address=address, detail={"recovery": recovered})
    return user


async def _recover_account(session: AsyncSession, patient: Patient, email: str, password: str, now: datetime) -> User:
    """A recovery code's work for an enrolled patient: a new password, no sessions, no passkeys."""
    user = await session.get(User, patient.user_id)
    if user is None or not user.is_active or user.erased_at is not None:
        raise AccountError("code", "This account is closed. Please ask your care team.")
    if normalise_email(email) != user.email:
        raise AccountError("email", "This is not the email of your account. Type the email you sign in with, "
                                    "or ask your care team.")
    check_password_rules(password, user.email)
    new_hash = hash_password(password)
    await session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash,
                                                                       password_changed_at=now))
    user.password_hash, user.password_changed_at = new_hash, now
    await end_all_sessions(session, user.id)
    await remove_passkeys(session, user.id)
    return user


async def patient_for_user(session: AsyncSession, user: User) -> Patient | None:
    query = select(Patient).where(Patient.user_id == user.id)
    return (await session.execute(query)).scalar_one_or_none()
