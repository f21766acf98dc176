"""The stored records: clinics, users, patients, entries, flags, sessions, audit.

Tables are SQLModel classes; rules about the data live as methods here or in
the module of their area (``diary.store`` for entries, ``diary.accounts`` for
users and sessions, ``diary.flags`` for flags).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from diary.db import UTCDateTime


class Role(StrEnum):
    patient = "patient"
    clinician = "clinician"
    admin = "admin"


class SuspectedType(StrEnum):
    vascular = "vascular"
    neurogenic = "neurogenic"
    unknown = "unknown"


def _enum(enum: type[StrEnum]) -> SAEnum:
    """Stored as its string value, not a database enum type: new values need no ALTER TYPE."""
    return SAEnum(enum, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Clinic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    timezone: str = Field(default="Europe/London", max_length=64)
    # Set by an admin on the clinic settings page (diary.clinics): shown with a
    # tap-to-call link on the patient's advice, letters and PDFs.
    phone: str = Field(default="", max_length=32)
    emergency_number: str = Field(default="999", max_length=8)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    role: Role = Field(sa_type=_enum(Role))
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The time zone the person's own pages show times in (an IANA name); None
    # means the clinic's. Only patients set it, on their account page.
    timezone: str | None = Field(default=None, max_length=64)
    # Set when the account was erased at the patient's request (an admin
    # confirmed it): the row stays, without its email or password, because
    # the audit log refers to it.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.clinician, Role.admin)


class Patient(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("clinic_id", "clinic_number"),
        # The patient list's order (by name, case-folded), so a page reads 25 rows, not the clinic.
        Index("ix_patient_clinic_name", "clinic_id", text("lower(name)"), "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    name: str = Field(max_length=200)
    clinic_number: str = Field(max_length=64)
    date_of_birth: date | None = None
    affected_side: str | None = Field(default=None, max_length=8)
    suspected_type: SuspectedType = Field(default=SuspectedType.unknown, sa_type=_enum(SuspectedType))
    # null = not recorded. A foot infection in a person with diabetes is an
    # emergency (NICE NG19). Changes are kept in patient_detail_change.
    diabetes: bool | None = None
    phone: str = Field(default="", max_length=32)
    # A clinician may reset the baseline (after surgery, say): the trend
    # module then looks for a baseline only in walks after this instant.
    baseline_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Erased at the patient's request: the health data is gone and the
    # identifying fields are blanked; the row stays for the audit log.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EnrolmentCode(SQLModel, table=True):
    __tablename__ = "enrolment_code"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    code_hash: str = Field(max_length=128, unique=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its hash is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    keep_signed_in: bool = Field(default=False)
    # Shown on "Signed-in devices" so a person can tell their sessions apart.
    user_agent: str = Field(default="", max_length=200)
    # How this session signed in: "password", "passkey" or "enrolment".
    method: str = Field(default="password", max_length=16)
    # When the person last proved it is them on this session (signing in, or typing the
    # password again): adding a passkey needs a recent proof, not just the cookie.
    proved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EntryRow(SQLModel, table=True):
    """A walk or a check-in. Columns mirror the interchange fields of ``diary.entries``."""

    __tablename__ = "entry"
    __table_args__ = (Index("ix_entry_patient_time", "patient_id", "occurred_at"),)

    id: uuid.UUID = Field(primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    kind: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    utc_offset_min: int = 0
    note: str = Field(default="", max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # Counts the writes of this entry: its HTTP ETag (``diary.store``). A replay
    # that changes nothing leaves it alone.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Seconds the phone's clock was behind the server's (negative: ahead) when the
    # entry was logged; ``occurred_at`` is corrected by it, the time field is not.
    clock_offset_s: int | None = None
    # walk
    distance_m: float | None = None
    pain_onset_m: float | None = None
    stopped_by_pain: bool | None = None
    relief: str | None = Field(default=None, max_length=16)
    relief_minutes: float | None = None
    pain_sites: list[str] | None = Field(default=None, sa_column=Column(JSON))
    side: str | None = Field(default=None, max_length=8)
    sensations: list[str] | None = Field(default=None, sa_column=Column(JSON))
    terrain: str | None = Field(default=None, max_length=16)
    pain_score: int | None = None
    source: str | None = Field(default=None, max_length=8)
    duration_min: float | None = None
    pain_onset_min: float | None = None
    distance_estimated: bool | None = None
    # check-in
    rest_pain: bool | None = None
    rest_pain_at_night: bool | None = None
    eased_by_hanging_leg: bool | None = None
    wound: bool | None = None
    wound_days: int | None = None
    colour_change: str | None = Field(default=None, max_length=8)
    cold_foot: bool | None = None
    sudden_onset: bool | None = None
    # Added with the danger signs (migration 0007): null = not asked.
    wound_healed: bool | None = None
    infection_signs: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    colour_healed: bool | None = None
    numb_foot: bool | None = None
    sudden_onset_days_ago: int | None = None
    heart_symptoms: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    cauda_equina_signs: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))


class FlagStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Flag(SQLModel, table=True):
    """A finding of the trend module kept for clinician review.

    One flag per patient and rule stays live (open or acknowledged) for an
    ongoing episode: new evidence updates it instead of raising another.
    """

    __table_args__ = (Index("ix_flag_patient_rule_status", "patient_id", "rule", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    rule: str = Field(max_length=64)
    rule_version: str = Field(max_length=16)
    severity: str = Field(max_length=16)
    status: FlagStatus = Field(default=FlagStatus.open, sa_type=_enum(FlagStatus))
    message: str = Field(max_length=2000)
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raised_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_changed_by: int | None = Field(default=None, foreign_key="app_user.id")
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the trend module stops seeing the finding (distance recovered,
    # no wound on the latest check-in); the flag stays for a clinician to close.
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=2000)


class FlagEvent(SQLModel, table=True):
    """The history of a flag: raised, updated, escalated, acknowledged, resolved, noted."""

    __tablename__ = "flag_event"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=32)
    by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    severity: str = Field(max_length=16)
    status: str = Field(max_length=16)
    note: str = Field(default="", max_length=2000)


class AuditEvent(SQLModel, table=True):
    """Append-only: the app inserts rows and never updates or deletes them."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_clinic_at", "clinic_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    clinic_id: int | None = Field(default=None, foreign_key="clinic.id")
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    action: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    address: str | None = Field(default=None, max_length=64)


class PatientSummary(SQLModel, table=True):
    """What the review queue and the patient list need, kept up to date on write.

    Refreshed whenever an entry is saved or deleted and whenever a flag
    changes, so no request scans a patient's history. ``open_rank`` is the
    worst live, unsnoozed flag (``diary.severity``: 4 emergency, 3 urgent, 2 review,
    1 info, 0 none).
    """

    __tablename__ = "patient_summary"
    __table_args__ = (
        Index("ix_summary_queue", "clinic_id", "open_rank", "open_since"),
        Index("ix_summary_reviewed", "clinic_id", "last_reviewed_at"),
        Index("ix_summary_snooze", "clinic_id", "next_snooze_end"),
    )

    patient_id: int = Field(primary_key=True, foreign_key="patient.id")
    clinic_id: int = Field(foreign_key="clinic.id")
    last_entry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    walks_recent: int = 0
    max_median_m: float | None = None
    pain_free_median_m: float | None = None
    # The trend rules' baselines at the last assessment (the best 28-day medians of
    # the 6 months before the recent window): what the trend arrows compare with.
    baseline_max_m: float | None = None
    baseline_pain_free_m: float | None = None
    trend: str | None = Field(default=None, max_length=8)  # up, down, steady: max_median_m against baseline_max_m
    open_rank: int = 0
    open_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    open_count: int = 0
    top_flag_id: int | None = None
    top_message: str = Field(default="", max_length=2000)
    next_snooze_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The best distance baselines kept between saves (diary.trend.baseline_state),
    # and the latest walk time they depend on. Derived from the entries alone:
    # clearing them loses nothing, the next assessment rebuilds them. The lists
    # never load them (summary.LIST_ONLY).
    baseline_state: str | None = None
    baseline_reach: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffInvite(SQLModel, table=True):
    """An admin's single-use invitation for a clinician or admin to set a password."""

    __tablename__ = "staff_invite"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    email: str = Field(max_length=320)
    display_name: str = Field(default="", max_length=200)
    role: Role = Field(sa_type=_enum(Role))
    code_hash: str = Field(max_length=128, unique=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WeeklyExport(SQLModel, table=True):
    """One clinic's exports for one ISO week. The unique (clinic, week) row is the
    claim: whichever process inserts it (or takes over a failed or stale one with
    a conditional update) does the work, so a week is exported once however many
    processes run the schedule."""

    __tablename__ = "weekly_export"
    __table_args__ = (UniqueConstraint("clinic_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: int = Field(foreign_key="clinic.id")
    week: str = Field(max_length=8)
    status: str = Field(max_length=8)  # running, done, failed
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str = Field(max_length=200)
    attempts: int = 1
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    patients: int = 0
    error: str = Field(default="", max_length=2000)
    files: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RateCounter(SQLModel, table=True):
    """Attempts counted per key (an address or an account) and fixed time window.

    Kept in the database so every app process counts against the same limit;
    incremented with one INSERT ... ON CONFLICT DO UPDATE, so it is atomic.
    """

    __tablename__ = "rate_counter"

    key: str = Field(primary_key=True, max_length=200)
    window_start: int = Field(primary_key=True, sa_type=BigInteger)  # Unix seconds, a multiple of the window length
    count: int = 0
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class Passkey(SQLModel, table=True):
    """A WebAuthn credential (a passkey) a user registered to sign in without a password."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    credential_id: str = Field(max_length=1400, unique=True)  # base64url
    public_key: str = Field(max_length=4000)  # base64url COSE key
    sign_count: int = 0
    transports: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    aaguid: str = Field(default="", max_length=64)
    backed_up: bool = Field(default=False)
    name: str = Field(default="", max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthChallenge(SQLModel, table=True):
    """A one-time WebAuthn challenge, kept server-side so any app process can verify it."""

    __tablename__ = "auth_challenge"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)
    purpose: str = Field(max_length=16)  # register, authenticate
    challenge: str = Field(max_length=200)  # base64url
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class EntryRevision(SQLModel, table=True):
    """An entry as it was before an edit or a delete, for the audit trail.

    Kept apart from the audit log because it holds health data: a confirmed
    erasure deletes these rows, while the audit log itself is never changed.
    """

    __tablename__ = "entry_revision"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: uuid.UUID = Field(index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    action: str = Field(max_length=16)  # edited, deleted
    at: datetime = Field(sa_type=UTCDateTime)
    by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    previous: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PatientDetailChange(SQLModel, table=True):
    """One change to a patient's details after enrolment (affected side, suspected type,
    diabetes, phone): the history shown on the patient page. Kept apart from the
    append-only audit log because it holds health data: an erasure deletes it."""

    __tablename__ = "patient_detail_change"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    field: str = Field(max_length=32)
    old: str = Field(default="", max_length=64)
    new: str = Field(default="", max_length=64)


class EntryTombstone(SQLModel, table=True):
    """A deleted entry's id, so that a late write cannot bring it back (410 Gone).

    Kept as long as the entry's revision history (until the patient's data is
    erased); a patient who chooses to restore the entry removes it."""

    __tablename__ = "entry_tombstone"

    entry_id: uuid.UUID = Field(primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    deleted_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1  # the entry's version when it was deleted, plus one


class ErasureRequest(SQLModel, table=True):
    """A patient's request that their data be deleted; an admin confirms or declines it."""

    __tablename__ = "erasure_request"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    clinic_id: int = Field(foreign_key="clinic.id", index=True)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    requested_by: int | None = Field(default=None, foreign_key="app_user.id")
    status: str = Field(default="pending", max_length=16)  # pending, confirmed, declined, cancelled
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str = Field(default="", max_length=2000)


class MeasurementKind(StrEnum):
    abi = "abi"                      # resting ankle-brachial index, a ratio
    toe_pressure = "toe_pressure"    # toe systolic pressure, mmHg


class Measurement(SQLModel, table=True):
    """A dated measurement a clinician recorded for a patient (``diary.measurements``).

    A mistaken row is not deleted but marked removed (by whom, when), so the
    series a clinician saw can always be told again.
    """

    __table_args__ = (Index("ix_measurement_patient_date", "patient_id", "measured_on"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id")
    kind: MeasurementKind = Field(sa_type=_enum(MeasurementKind))
    side: str | None = Field(default=None, max_length=8)  # left, right, or None when not recorded
    value: float
    measured_on: date
    note: str = Field(default="", max_length=500)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: int | None = Field(default=None, foreign_key="app_user.id")
