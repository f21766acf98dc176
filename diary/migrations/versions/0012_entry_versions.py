"""entry versions (ETags), tombstones of deleted entries, the phone's clock offset

The phone's queue could overwrite a newer edit from another device, and a late
write could bring a deleted entry back (issue 14). Each entry now counts its
writes (``entry.version``, sent as its ETag), and a deleted entry leaves a
tombstone so that a later write is answered 410 Gone. Tombstones are seeded
from the revision history: an entry with a ``deleted`` revision and no row is
a deleted entry. Existing entries start at one more than their revisions.

``entry.clock_offset_s``: how far the phone's clock was out when the entry was
logged (null for every existing entry: not measured).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diary.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('entry', sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('entry', sa.Column('clock_offset_s', sa.Integer(), nullable=True))
    op.create_table(
        'entry_tombstone',
        sa.Column('entry_id', sa.Uuid(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('deleted_at', diary.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
        sa.PrimaryKeyConstraint('entry_id'),
    )
    with op.batch_alter_table('entry_tombstone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_tombstone_patient_id'), ['patient_id'], unique=False)
    op.execute(
        "UPDATE entry SET version = 1 + (SELECT COUNT(*) FROM entry_revision r WHERE r.entry_id = entry.id)")
    op.execute(
        "INSERT INTO entry_tombstone (entry_id, patient_id, deleted_at, version) "
        "SELECT r.entry_id, MIN(r.patient_id), MAX(r.at), COUNT(*) + 1 FROM entry_revision r "
        "WHERE NOT EXISTS (SELECT 1 FROM entry e WHERE e.id = r.entry_id) "
        "GROUP BY r.entry_id HAVING SUM(CASE WHEN r.action = 'deleted' THEN 1 ELSE 0 END) > 0")


def downgrade() -> None:
    with op.batch_alter_table('entry_tombstone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_tombstone_patient_id'))
    op.drop_table('entry_tombstone')
    with op.batch_alter_table('entry') as batch:
        batch.drop_column('clock_offset_s')
        batch.drop_column('version')
