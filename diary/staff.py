"""A clinic's clinicians and admins: invitations and deactivation, by an admin."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from diary import accounts, audit
from diary.models import Clinic, Role, StaffInvite, User


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
    email = accounts.normalise_email(email)
    if "@" not in email or len(email) > 320:
        raise accounts.AccountError("email", "Enter an email address, like name@example.com.")
    if role not in (Role.clinician, Role.admin):
        raise accounts.AccountError("role", "Choose clinician or admin.")
    if await accounts.user_by_email(session, email) is not None:
        raise accounts.AccountError("email", "An account with this email already exists.")
    code = accounts.new_enrolment_code()
    session.add(StaffInvite(clinic_id=admin.clinic_id, email=email, display_name=display_name.strip(), role=role,
                            code_hash=accounts.sha256(code), created_by=admin.id, created_at=now,
                            expires_at=now + valid_for))
    await audit.record(session, action="staff.invited", now=now, actor=admin, detail={"email": email, "role": role.value})
    return code


async def accept_invite(session: AsyncSession, code: str, password: str, now: datetime) -> User:
    found = (await session.execute(select(StaffInvite).where(
        StaffInvite.code_hash == accounts.sha256(accounts.normalise_code(code))))).scalar_one_or_none()
    if found is None or found.revoked_at is not None:
        raise accounts.AccountError("code", "This invitation is not recognised. Ask your clinic's admin for a new one.")
    if found.used_at is not None:
        raise accounts.AccountError("code", "This invitation has already been used. Sign in instead.")
    if now >= found.expires_at:
        raise accounts.AccountError("code", "This invitation has expired. Ask your clinic's admin for a new one.")
    clinic = await session.get(Clinic, found.clinic_id)
    user = await accounts.create_user(session, clinic=clinic, role=found.role, email=found.email, password=password,
                                      now=now, display_name=found.display_name)
    claimed = await session.execute(update(StaffInvite).where(
        StaffInvite.id == found.id, StaffInvite.used_at.is_(None)).values(used_at=now))
    if claimed.rowcount != 1:
        raise accounts.AccountError("code", "This invitation has already been used. Sign in instead.")
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
