"""Turning trend findings into flags for clinician review.

One flag per patient and rule stays live (open or acknowledged) while an
episode goes on: new evidence updates it rather than raising another, and a
worse severity escalates it (re-opening an acknowledged flag when evidence
arrived after the acknowledgement). Once a clinician resolves a flag, the same
rule raises a new one only when all of its evidence is newer than the
resolution (a new episode, not the one already dealt with), or when the
severity is worse and some of the evidence is newer. Evidence that the
clinician had seen when resolving never raises a flag again, so new rules
re-grading old entries do not raise a wave of alerts.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from diary import store
from diary.entries import CheckIn, PatientInfo, Walk
from diary.models import EntryRow, Flag, FlagEvent, FlagStatus, Patient
from diary.severity import Severity, worse
from diary.signs import RULE_SIGNS
from diary.trend import Finding, TrendConfig, assess
from diary.trend.distance import Baseline

LIVE = (FlagStatus.open, FlagStatus.acknowledged)
# The trend rules look back at most 14 days (recent) + 183 days (baseline);
# loading a little more keeps every rule's window whole.
HISTORY_WINDOW = timedelta(days=200)


def _event(flag: Flag, action: str, now: datetime, by: int | None = None, note: str = "") -> FlagEvent:
    return FlagEvent(flag_id=flag.id, at=now, action=action, by_user_id=by, severity=flag.severity,
                     status=flag.status, note=note)


async def _latest(session: AsyncSession, patient_id: int, rule: str, statuses: tuple[FlagStatus, ...]) -> Flag | None:
    query = (
        select(Flag)
        .where(Flag.patient_id == patient_id, Flag.rule == rule, Flag.status.in_(statuses))
        .order_by(Flag.updated_at.desc(), Flag.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _arrival_times(session: AsyncSession, patient_id: int, ids: tuple[str, ...]) -> list[datetime]:
    """When the evidence entries reached the diary (not when they happened)."""
    query = select(EntryRow.created_at).where(
        EntryRow.patient_id == patient_id, EntryRow.id.in_([uuid.UUID(i) for i in ids])
    )
    return list((await session.execute(query)).scalars())


async def record_finding(session: AsyncSession, patient_id: int, finding: Finding, now: datetime) -> Flag | None:
    """Raise, update or escalate the flag for one finding. Returns the flag touched, if any."""
    live = await _latest(session, patient_id, finding.rule, LIVE)
    if live is not None:
        changed = list(finding.entries) != live.evidence or finding.message != live.message
        escalate = worse(finding.severity, live.severity)
        if live.cleared_at is not None:
            live.cleared_at, changed = None, True
            await session.flush()
            session.add(_event(live, "seen again", now))
        if not changed and not escalate:
            return live
        live.message, live.evidence, live.data = finding.message, list(finding.entries), dict(finding.data)
        live.rule_version, live.updated_at = finding.rule_version, now
        if escalate:
            live.severity, live.snoozed_until = finding.severity, None
            # A worse severity re-opens an acknowledged flag only for evidence the
            # clinician has not seen; new rules re-grading old entries do not.
            seen_at = live.status_changed_at or live.raised_at
            if live.status != FlagStatus.open and any(
                    t > seen_at for t in await _arrival_times(session, patient_id, finding.entries)):
                live.status = FlagStatus.open
        session.add(live)
        # New evidence for the same episode is kept on the flag itself; only an
        # escalation is an event in the flag's history.
        if escalate:
            await session.flush()
            session.add(_event(live, "escalated", now))
        return live
    resolved = await _latest(session, patient_id, finding.rule, (FlagStatus.resolved,))
    if resolved is not None:
        # The clinician resolved the flag having seen what had arrived by then:
        # evidence that all arrived afterwards is a new episode; a worse severity
        # counts only with some evidence they have not seen.
        arrived = await _arrival_times(session, patient_id, finding.entries)
        closed_at = resolved.status_changed_at or resolved.updated_at
        new = [t for t in arrived if t > closed_at]
        if not new or (len(new) < len(arrived) and not worse(finding.severity, resolved.severity)):
            return None
    flag = Flag(
        patient_id=patient_id, rule=finding.rule, rule_version=finding.rule_version, severity=finding.severity,
        status=FlagStatus.open, message=finding.message, evidence=list(finding.entries), data=dict(finding.data),
        raised_at=now, updated_at=now,
    )
    session.add(flag)
    await session.flush()
    session.add(_event(flag, "raised", now))
    return flag


async def reassess(
    session: AsyncSession, patient: Patient, now: datetime, config: TrendConfig | None = None,
    entries: list[Walk | CheckIn] | None = None, baselines: dict[str, Baseline | None] | None = None,
) -> list[Finding]:
    """Assess the patient's recent diary and record the findings as flags.

    Without ``entries``, the last ``HISTORY_WINDOW`` of entries is read, however
    long the patient's history. ``baselines``: see ``diary.trend.assess``.
    """
    if entries is None:
        entries = await store.entries_since(session, patient.id, now - HISTORY_WINDOW)
    findings = assess(entries, now, config or TrendConfig(), baseline_since=patient.baseline_since,
                      baselines=baselines, patient=patient_info(patient))
    for finding in findings:
        await record_finding(session, patient.id, finding, now)
    await _mark_cleared(session, patient.id, {f.rule for f in findings}, now)
    return findings


async def _mark_cleared(session: AsyncSession, patient_id: int, seen_rules: set[str], now: datetime) -> None:
    """Live flags whose finding is no longer seen say so; a clinician still closes them."""
    query = select(Flag).where(Flag.patient_id == patient_id, Flag.status.in_(LIVE), Flag.cleared_at.is_(None))
    for flag in (await session.execute(query)).scalars():
        if flag.rule not in seen_rules:
            flag.cleared_at = now
            session.add(_event(flag, "no longer seen", now))


def patient_info(patient: Patient) -> PatientInfo:
    """What the rules need to know about the patient beside the entries."""
    return PatientInfo(diabetes=patient.diabetes)


async def live_danger_signs(session: AsyncSession, patient_id: int) -> list[str]:
    """The signs behind the patient's live emergency and urgent flags (for the
    patient's safety advice). Flags from before the signs were recorded on them
    give their rule's usual sign."""
    query = select(Flag.rule, Flag.data).where(
        Flag.patient_id == patient_id, Flag.status.in_(LIVE),
        Flag.severity.in_([Severity.emergency.value, Severity.urgent.value]))
    signs: list[str] = []
    for rule, data in (await session.execute(query)).all():
        data = data or {}
        kept = data.get("signs")
        if not isinstance(kept, list):
            kept = ["dark_toe"] if rule == "tissue_loss" and data.get("wound") is False else RULE_SIGNS.get(rule, ())
        for sign in kept:
            if sign not in signs:
                signs.append(sign)
    return signs


async def change_status(
    session: AsyncSession, flag: Flag, status: FlagStatus, by_user_id: int, now: datetime, note: str = ""
) -> Flag:
    flag.status, flag.status_changed_at, flag.status_changed_by = status, now, by_user_id
    if note:
        flag.note = note
    flag.updated_at = now
    session.add(flag)
    await session.flush()
    session.add(_event(flag, status.value, now, by_user_id, note))
    return flag


async def add_note(session: AsyncSession, flag: Flag, by_user_id: int, now: datetime, note: str) -> Flag:
    flag.note, flag.updated_at = note, now
    session.add(flag)
    await session.flush()
    session.add(_event(flag, "noted", now, by_user_id, note))
    return flag


async def snooze(session: AsyncSession, flag: Flag, by_user_id: int, now: datetime, days: int) -> Flag:
    flag.snoozed_until, flag.updated_at = now + timedelta(days=days), now
    session.add(flag)
    await session.flush()
    session.add(_event(flag, "snoozed", now, by_user_id, f"for {days} days"))
    return flag


async def history(session: AsyncSession, patient_id: int) -> list[tuple[FlagEvent, Flag]]:
    query = (select(FlagEvent, Flag).join(Flag, Flag.id == FlagEvent.flag_id)
             .where(Flag.patient_id == patient_id).order_by(FlagEvent.at.desc(), FlagEvent.id.desc()))
    return [tuple(r) for r in (await session.execute(query)).all()]


async def flags_for_patient(session: AsyncSession, patient_id: int, live_only: bool = False) -> list[Flag]:
    query = select(Flag).where(Flag.patient_id == patient_id)
    if live_only:
        query = query.where(Flag.status.in_(LIVE))
    query = query.order_by(Flag.raised_at.desc(), Flag.id.desc())
    return list((await session.execute(query)).scalars())
