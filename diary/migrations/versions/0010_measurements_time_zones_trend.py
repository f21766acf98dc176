"""measurements over time, a person's own time zone, trend arrows against the baseline

- ``measurement``: dated ABI and toe-pressure measurements a clinician records.
  The single resting ABI typed at enrolment (``patient.resting_abi``) becomes
  each patient's first measurement, dated the day they were enrolled, and the
  column goes.
- ``app_user.timezone``: the time zone a patient chose for their own pages
  (null: the clinic's).
- ``patient_summary``: the queue's trend arrow compared the last 14 days with
  the 14 days before, so a slow fall read "steady" beside a flag saying the
  distance was 59% below the baseline. It now compares the 14-day median with
  the trend rules' own baseline, kept beside it (``baseline_max_m``,
  ``baseline_pain_free_m``), and ``previous_max_median_m`` goes. The kept rows
  are carried forward from the baselines the last assessment stored
  (``baseline_state``, version 1: the front of each metric's queue is its best
  baseline), so the arrows are right before the next assessment.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-03 10:00:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

import diary.db

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None

# diary.summary as of this revision: an arrow shows a change of 10% or more, and
# the trend rules trust no baseline under 10 m (TrendConfig.min_baseline_m).
TREND_CHANGE = 0.10
MIN_BASELINE_M = 10.0


def _drop_column(table: str, column: str) -> None:
    # SQLite drops a plain column in place (3.35+); Alembic's batch mode would
    # copy the table, which foreign keys pointing at ``patient`` forbid.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column(table, column)


def _trend(recent: float | None, usual: float | None) -> str | None:
    if recent is None or usual is None or usual < MIN_BASELINE_M:
        return None
    change = (recent - usual) / usual
    return "up" if change >= TREND_CHANGE else "down" if change <= -TREND_CHANGE else "steady"


def _best(state: str | None) -> tuple[float | None, float | None]:
    try:
        data = json.loads(state) if state else None
    except ValueError:
        return None, None
    if not data or data.get("version") != 1:
        return None, None
    queues = data.get("queues") or {}

    def front(key: str) -> float | None:
        queue = queues.get(key) or []
        return float(queue[0][2]) if queue else None
    return front("maximum"), front("pain_free")


def upgrade() -> None:
    op.create_table(
        'measurement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('abi', 'toe_pressure', name='measurementkind', native_enum=False, length=16),
                  nullable=False),
        sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('measured_on', sa.Date(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('recorded_at', diary.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('removed_at', diary.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('removed_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], ),
        sa.ForeignKeyConstraint(['removed_by'], ['app_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_measurement_patient_date', 'measurement', ['patient_id', 'measured_on'], unique=False)
    bind = op.get_bind()
    patient = sa.table('patient', sa.column('id'), sa.column('resting_abi'),
                       sa.column('created_at', diary.db.UTCDateTime(timezone=True)))
    enrolled = bind.execute(sa.select(patient.c.id, patient.c.resting_abi, patient.c.created_at)
                            .where(patient.c.resting_abi.is_not(None))).all()
    measurement = sa.table('measurement', sa.column('patient_id', sa.Integer()), sa.column('kind', sa.String()),
                           sa.column('side', sa.String()), sa.column('value', sa.Float()),
                           sa.column('measured_on', sa.Date()), sa.column('note', sa.String()),
                           sa.column('recorded_at', diary.db.UTCDateTime(timezone=True)))
    rows = [{"patient_id": patient_id, "kind": "abi", "side": None, "value": abi, "measured_on": at.date(),
             "note": "Recorded at enrolment", "recorded_at": at} for patient_id, abi, at in enrolled]
    if rows:
        op.bulk_insert(measurement, rows)
    _drop_column('patient', 'resting_abi')

    op.add_column('app_user', sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    op.add_column('patient_summary', sa.Column('baseline_max_m', sa.Float(), nullable=True))
    op.add_column('patient_summary', sa.Column('baseline_pain_free_m', sa.Float(), nullable=True))
    summaries = bind.execute(sa.text(
        "SELECT patient_id, baseline_state, max_median_m FROM patient_summary")).all()
    for patient_id, state, recent in summaries:
        usual_max, usual_pain_free = _best(state)
        bind.execute(sa.text(
            "UPDATE patient_summary SET baseline_max_m = :m, baseline_pain_free_m = :p, trend = :t "
            "WHERE patient_id = :id"), {"m": usual_max, "p": usual_pain_free, "t": _trend(recent, usual_max),
                                        "id": patient_id})
    _drop_column('patient_summary', 'previous_max_median_m')


def downgrade() -> None:
    op.add_column('patient_summary', sa.Column('previous_max_median_m', sa.Float(), nullable=True))
    # The old arrows compared two 14-day windows: unknown until the next assessment.
    op.execute("UPDATE patient_summary SET trend = NULL")
    _drop_column('patient_summary', 'baseline_pain_free_m')
    _drop_column('patient_summary', 'baseline_max_m')
    _drop_column('app_user', 'timezone')
    op.add_column('patient', sa.Column('resting_abi', sa.Float(), nullable=True))
    # The earliest ABI kept, as the enrolment's single figure.
    op.execute(
        "UPDATE patient SET resting_abi = (SELECT m.value FROM measurement m WHERE m.patient_id = patient.id "
        "AND m.kind = 'abi' AND m.removed_at IS NULL ORDER BY m.measured_on, m.id LIMIT 1)")
    op.drop_index('ix_measurement_patient_date', table_name='measurement')
    op.drop_table('measurement')
