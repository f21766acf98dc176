"""A clinic's clinicians and admins: invitations and deactivation, by an admin."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from diary import accounts, audit, codes
from diary.models import Clinic, Role, StaffInvite, User

# An unknown or withdrawn invitation, and one for an email that already has an account, read the same.
UNUSABLE = "This invitation cannot be used. Ask your clinic's admin for a new one."


async def list_staff(session: AsyncSession, clinic_id: int) -> list[User]:
    query = select(User).where(User.clinic_id == clinic_id, User.role != Role.patient).order_by(User.email)
    return list((await session.execute(query)).scalars())


async def pending_invites(session: AsyncSession, clinic_id: int, now: datetime) -> list[StaffInvite]:
    query = select(StaffInvite).where(
        StaffInvite.clinic_id == clinic_id, StaffInvite.used_at.is_(None), StaffInvite.revoked_at.is_(None),
        StaffInvite.expires_at > now).order_by(StaffInvite.created_at.desc())
    return list((await session.execute(query)).scalars())


async def invite(
    session: AsyncSession, admin: User, *, email: str, display_name: str, role: Role, now: datetime,
    valid_for: timedelta,
) -> str:
    email = accounts.checked_email(email)
    display_name = accounts.checked_name(display_name)
    if role not in (Role.clinician, Role.admin):
        raise accounts.AccountError("role", "Choose clinician or admin.")
    existing = await accounts.user_by_email(session, email)
    if existing is not None and existing.clinic_id == admin.clinic_id and existing.is_staff:
        # Only a colleague the admin already sees on the staff page is named as such.
        raise accounts.AccountError("email", "This person is already on your clinic's staff.")
    # Any other email, whether or not someone (a patient, another clinic's staff) has it,
    # gets the same answer: an invitation. One for an email in use cannot be accepted.
    code = codes.new_enrolment_code()
    session.add(StaffInvite(clinic_id=admin.clinic_id, email=email, display_name=display_name, role=role,
                            code_hash=codes.code_hash(session, code), created_by=admin.id, created_at=now,
                            expires_at=now + valid_for))
    await audit.record(session, action="staff.invited", now=now, actor=admin, detail={"email": email, "role": role.value})
    return code


async def accept_invite(session: AsyncSession, code: str, password: str, now: datetime) -> User:
    found = (await session.execute(select(StaffInvite).where(
        StaffInvite.code_hash.in_(codes.code_hashes(session, code))))).scalar_one_or_none()
    if found is None or found.revoked_at is not None:
        raise accounts.AccountError("code", UNUSABLE, reason="unknown")
    if found.used_at is not None:
        raise accounts.AccountError("code", "This invitation has already been used. Sign in instead.", reason="used")
    if now >= found.expires_at:
        raise accounts.AccountError("code", "This invitation has expired. Ask your clinic's admin for a new one.",
                                    reason="expired")
    if await accounts.user_by_email(session, found.email) is not None:
        raise accounts.AccountError("code", UNUSABLE, reason="email_in_use")
    clinic = await session.get(Clinic, found.clinic_id)
    user = await accounts.create_user(session, clinic=clinic, role=found.role, email=found.email, password=password,
                                      now=now, display_name=found.display_name)
    claimed = await session.execute(update(StaffInvite).where(
        StaffInvite.id == found.id, StaffInvite.used_at.is_(None)).values(used_at=now))
    if claimed.rowcount != 1:
        raise accounts.AccountError("code", "This invitation has already been used. Sign in instead.", reason="used")
    await audit.record(session, action="staff.joined", now=now, actor=user)
    return user


async def set_active(session: AsyncSession, admin: User, user_id: int, active: bool, now: datetime) -> User | None:
    """Deactivate (or reactivate) a colleague of the same clinic; deactivation ends their sessions."""
    user = (await session.execute(select(User).where(
        User.id == user_id, User.clinic_id == admin.clinic_id, User.role != Role.patient))).scalar_one_or_none()
    if user is None:
        return None
    if user.id == admin.id and not active:
        raise accounts.AccountError("user", "You cannot deactivate your own account.")
    user.is_active = active
    session.add(user)
    if not active:
        await accounts.end_all_sessions(session, user.id)
    await audit.record(session, action="staff.activated" if active else "staff.deactivated", now=now, actor=admin,
                       detail={"user_id": user.id, "email": user.email})
    return user


async def set_role(session: AsyncSession, admin: User, user_id: int, role: Role, now: datetime) -> User | None:
    """Make a colleague of the same clinic a clinician or an admin. A new role
    means new sessions: every session of theirs ends, so they sign in again."""
    if role not in (Role.clinician, Role.admin):
        raise accounts.AccountError("role", "Choose clinician or admin.")
    user = (await session.execute(select(User).where(
        User.id == user_id, User.clinic_id == admin.clinic_id, User.role != Role.patient))).scalar_one_or_none()
    if user is None:
        return None
    if user.id == admin.id:
        raise accounts.AccountError("user", "You cannot change your own role; ask another admin.")
    if user.role == role:
        return user
    previous, user.role = user.role, role
    session.add(user)
    await accounts.end_all_sessions(session, user.id)
    await audit.record(session, action="staff.role_changed", now=now, actor=admin,
                       detail={"user_id": user.id, "email": user.email, "from": previous.value, "to": role.value})
    return user
