"""danger signs: the new check-in answers, the emergency severity, the clinic's numbers, patient details

- entry: the new answers (null = not asked; rows from before were not asked them).
- flag, flag_event: severity widened for "emergency".
- clinic: its phone number (empty until an admin sets it) and its emergency
  number, taken from its time zone's country (999 in the UK, 911 in North
  America, 000 in Australia, 111 in New Zealand, else 112).
- patient: diabetes (null = not recorded) and an optional phone number;
  patient_detail_change keeps each later change of a patient's details.

Stored check-ins keep their answers as given. How older rows are read (a ticked
night or hanging answer counts as rest pain; an unanswered colour question
never clears a blue or black toe) is in diary/signs.py and docs/clinical-rules.md.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import diary.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# A copy of diary.clinics.default_emergency_number's table as it was at this
# revision, so the migration does not change if that code does.
_BY_ZONE = (
    ("Europe/London", "999"), ("Europe/Belfast", "999"), ("Europe/Guernsey", "999"), ("Europe/Jersey", "999"),
    ("Europe/Isle_of_Man", "999"), ("Europe/Gibraltar", "112"), ("Asia/Hong_Kong", "999"),
    ("Australia/", "000"), ("Pacific/Auckland", "111"), ("Pacific/Chatham", "111"),
    ("America/Sao_Paulo", "192"), ("America/Argentina/", "107"), ("America/", "911"), ("US/", "911"),
    ("Canada/", "911"),
)


def _emergency_number(timezone: str) -> str:
    for prefix, number in _BY_ZONE:
        if timezone == prefix or (prefix.endswith("/") and timezone.startswith(prefix)):
            return number
    return "112"


def upgrade() -> None:
    op.create_table('patient_detail_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('at', diary.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('old', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('new', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_patient_detail_change_patient_id', 'patient_detail_change', ['patient_id'], unique=False)

    op.add_column('clinic', sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
    op.add_column('clinic', sa.Column('emergency_number', sqlmodel.sql.sqltypes.AutoString(length=8),
                                      nullable=False, server_default='999'))
    clinic = sa.table('clinic', sa.column('id', sa.Integer()), sa.column('timezone', sa.String()),
                      sa.column('emergency_number', sa.String()))
    bind = op.get_bind()
    for clinic_id, timezone in bind.execute(sa.select(clinic.c.id, clinic.c.timezone)).all():
        number = _emergency_number(timezone or "")
        if number != "999":
            bind.execute(clinic.update().where(clinic.c.id == clinic_id).values(emergency_number=number))

    op.add_column('entry', sa.Column('wound_healed', sa.Boolean(), nullable=True))
    op.add_column('entry', sa.Column('infection_signs', sa.JSON(none_as_null=True), nullable=True))
    op.add_column('entry', sa.Column('colour_healed', sa.Boolean(), nullable=True))
    op.add_column('entry', sa.Column('numb_foot', sa.Boolean(), nullable=True))
    op.add_column('entry', sa.Column('sudden_onset_days_ago', sa.Integer(), nullable=True))
    op.add_column('entry', sa.Column('heart_symptoms', sa.JSON(none_as_null=True), nullable=True))
    op.add_column('entry', sa.Column('cauda_equina_signs', sa.JSON(none_as_null=True), nullable=True))

    # "emergency" is longer than the old 8 characters. SQLite does not enforce a
    # VARCHAR's length, and copying ``flag`` in batch mode would trip the foreign
    # keys pointing at it, so only other databases are altered.
    if op.get_bind().dialect.name != "sqlite":
        for table in ('flag', 'flag_event'):
            op.alter_column(table, 'severity', existing_type=sa.VARCHAR(length=8),
                            type_=sqlmodel.sql.sqltypes.AutoString(length=16), existing_nullable=False)

    op.add_column('patient', sa.Column('diabetes', sa.Boolean(), nullable=True))
    op.add_column('patient', sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                       server_default=''))


def _drop_columns(table: str, *columns: str) -> None:
    # SQLite drops a plain column in place (3.35+); Alembic's batch mode would
    # copy the table, which the foreign keys pointing at ``patient`` forbid.
    for column in columns:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)


def downgrade() -> None:
    _drop_columns('patient', 'phone', 'diabetes')
    op.execute("UPDATE flag SET severity = 'urgent' WHERE severity = 'emergency'")
    op.execute("UPDATE flag_event SET severity = 'urgent' WHERE severity = 'emergency'")
    if op.get_bind().dialect.name != "sqlite":  # SQLite does not enforce a VARCHAR's length
        for table in ('flag_event', 'flag'):
            op.alter_column(table, 'severity', existing_type=sqlmodel.sql.sqltypes.AutoString(length=16),
                            type_=sa.VARCHAR(length=8), existing_nullable=False)
    _drop_columns('entry', 'cauda_equina_signs', 'heart_symptoms', 'sudden_onset_days_ago', 'numb_foot',
                  'colour_healed', 'infection_signs', 'wound_healed')
    _drop_columns('clinic', 'emergency_number', 'phone')
    op.drop_index('ix_patient_detail_change_patient_id', table_name='patient_detail_change')
    op.drop_table('patient_detail_change')
