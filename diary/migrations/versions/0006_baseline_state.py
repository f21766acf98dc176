"""each patient's best distance baselines, kept between saves

The benchmark (bench/RESULTS.md, "trend cost") found every save rereading and
reassessing 200 days of entries, so a patient with a long, busy diary cost
several times more to assess than a new one. The baselines depend only on walks
14 to 197 days old; the patient's summary row, read and written on every save
already, now keeps them (diary.trend.baseline_state).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import diary.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('patient_summary', sa.Column('baseline_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('patient_summary', sa.Column('baseline_reach', diary.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('patient_summary') as batch:
        batch.drop_column('baseline_reach')
        batch.drop_column('baseline_state')
