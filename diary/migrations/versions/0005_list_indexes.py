"""indexes for the patient list's order and for snoozes ending

The benchmark (bench/RESULTS.md) found the patient list sorting every patient
of the clinic by name for each page of 25, and the queue's snooze check
scanning the clinic's summaries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_patient_clinic_name', 'patient', ['clinic_id', sa.text('lower(name)'), 'id'], unique=False)
    op.create_index('ix_summary_snooze', 'patient_summary', ['clinic_id', 'next_snooze_end'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_summary_snooze', table_name='patient_summary')
    op.drop_index('ix_patient_clinic_name', table_name='patient')
