"""The audit log: who did what to which record, and when. Append-only.

The app only ever inserts rows here; nothing updates or deletes them (the
database refuses to, by trigger). Admins browse their own clinic's rows with
``search``; every query is scoped to the clinic in the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from diary.models import AuditEvent, Patient, User

# Every action written, offered in the admin's filter (diary.labels has their words;
# choosing an area, "flag", matches every "flag.*" action). A test checks that every
# action the code writes is here.
ACTIONS = (
    "signin.succeeded", "signin.failed", "signin.throttled", "signout", "account.password_changed",
    "account.sessions_ended", "account.recovered", "passkey.added", "passkey.removed", "passkey.refused",
    "staff.invited", "staff.joined", "staff.activated", "staff.deactivated", "staff.role_changed",
    "patient.viewed", "patient.reviewed", "patient.sessions_ended", "flag.acknowledge", "flag.resolve", "flag.note",
    "flag.snooze", "entry.edited", "entry.deleted", "entry.restored", "measurement.added", "measurement.removed",
    "export.generated", "export.failed", "export.downloaded",
    "enrolment.code_issued", "enrolment.code_revoked", "enrolment.code_used", "enrolment.code_refused",
    "enrolment.throttled", "data.downloaded", "erasure.requested", "erasure.cancelled", "erasure.confirmed",
    "erasure.declined", "audit.exported", "clinic.settings_changed", "patient.details_changed",
    "access.not_found", "account.confirmed", "account.password_check_failed",
    "account.password_check_throttled", "staff.join_refused",
)


def action_groups() -> list[tuple[str, list[str]]]:
    """The actions by area, in the order above: [("signin", ["signin.succeeded", ...]), ...]."""
    groups: dict[str, list[str]] = {}
    for action in ACTIONS:
        groups.setdefault(action.split(".", 1)[0], []).append(action)
    return list(groups.items())


async def record(
    session: AsyncSession, *, action: str, now: datetime, actor: User | None = None,
    patient_id: int | None = None, clinic_id: int | None = None, detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    session.add(AuditEvent(
        at=now, actor_user_id=actor.id if actor else None,
        clinic_id=clinic_id if clinic_id is not None else (actor.clinic_id if actor else None),
        patient_id=patient_id, action=action, detail=detail or {}, address=address,
    ))
    await session.flush()


async def for_patient(session: AsyncSession, patient_id: int, limit: int = 20) -> list[tuple[AuditEvent, User | None]]:
    query = (select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_user_id)
             .where(AuditEvent.patient_id == patient_id)
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [tuple(r) for r in (await session.execute(query)).all()]


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the log to; empty fields match everything."""

    action: str = ""          # an action, or its area ("flag" for every flag.* action)
    actor: str = ""           # part of the actor's email
    patient: str = ""         # the patient's clinic number, exactly
    since: datetime | None = None   # from this instant on
    until: datetime | None = None   # before this instant

    def as_detail(self) -> dict[str, str]:
        """The filter as plain values, for the audit row of an export."""
        values = {"action": self.action, "actor": self.actor, "patient": self.patient,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: User | None
    patient: Patient | None


def _conditions(clinic_id: int, flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [AuditEvent.clinic_id == clinic_id]
    if flt.action:
        conditions.append(or_(AuditEvent.action == flt.action, AuditEvent.action.startswith(f"{flt.action}.",
                                                                                              autoescape=True)))
    if flt.actor:
        conditions.append(User.email.contains(flt.actor.strip().lower(), autoescape=True))
    if flt.patient:
        conditions.append(Patient.clinic_number == flt.patient.strip())
    if flt.since is not None:
        conditions.append(AuditEvent.at >= flt.since)
    if flt.until is not None:
        conditions.append(AuditEvent.at < flt.until)
    return conditions


async def search(
    session: AsyncSession, clinic_id: int, flt: AuditFilter, *, limit: int, offset: int = 0,
    before: tuple[datetime, int] | None = None,
) -> list[AuditRow]:
    """The clinic's audit rows matching the filter, newest first.

    Page with ``offset``, or, to walk the whole log (an export), with ``before``:
    the (at, id) of the last row already read."""
    conditions = _conditions(clinic_id, flt)
    if before is not None:
        at, event_id = before
        conditions.append(or_(AuditEvent.at < at, and_(AuditEvent.at == at, AuditEvent.id < event_id)))
    query = (select(AuditEvent, User, Patient)
             .outerjoin(User, User.id == AuditEvent.actor_user_id)
             .outerjoin(Patient, and_(Patient.id == AuditEvent.patient_id, Patient.clinic_id == clinic_id))
             .where(*conditions).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset))
    return [AuditRow(e, u, p) for e, u, p in (await session.execute(query)).all()]


async def unattributed(session: AsyncSession, since: datetime, limit: int = 10_000) -> list[AuditEvent]:
    """Rows no clinic owns, newest first: failed sign-ins and throttling for emails that are no
    account, refused invitations. No clinic's admin sees them; the service's operator does
    (``diary audit-log``)."""
    query = (select(AuditEvent).where(AuditEvent.clinic_id.is_(None), AuditEvent.at >= since)
             .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return list((await session.execute(query)).scalars())
