"""security, round two: a fresh proof before adding a passkey, keyed code hashes, plain stored text

- ``auth_session.proved_at``: when the person last proved it is them on the session.
  Sessions from before have none, so adding a passkey asks for the password first.
- Enrolment, recovery and invitation codes are now stored as HMAC-SHA256 with a key
  from DIARY_SECRET_KEY. The plain SHA-256 hashes already stored are marked
  ``sha256:`` and still accepted until those codes expire or are used.
- Free text is kept with LF line breaks and no other control character
  (``diary.text``). What was stored before is carried forward the same way: a NUL
  (which SQLite kept and wrote raw into the CSV export) and other control
  characters are dropped, CR LF and CR become LF, a tab becomes a space.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diary.db
from diary.text import scrub

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Free text people typed, by table: (table, key column, text columns).
TEXT_COLUMNS = (
    ("entry", "id", ("note",)),
    ("flag", "id", ("note",)),
    ("flag_event", "id", ("note",)),
    ("patient", "id", ("name", "clinic_number")),
    ("app_user", "id", ("display_name",)),
    ("staff_invite", "id", ("display_name",)),
    ("erasure_request", "id", ("reason",)),
    ("clinic", "id", ("name",)),
)
BATCH = 2000


def _scrub_column(conn: sa.Connection, table: str, key: str, column: str) -> None:
    """Read the non-empty values a batch at a time, by key, and rewrite those that change."""
    t = sa.table(table, sa.column(key), sa.column(column, sa.String))
    last = None
    while True:
        query = sa.select(t.c[key], t.c[column]).where(t.c[column] != "").order_by(t.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(t.c[key] > last)
        rows = conn.execute(query).all()
        for row_key, value in rows:
            clean = scrub(value)
            if clean != value:
                conn.execute(sa.update(t).where(t.c[key] == row_key).values({column: clean}))
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _scrub_revisions(conn: sa.Connection) -> None:
    t = sa.table("entry_revision", sa.column("id"), sa.column("previous", sa.JSON))
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.id, t.c.previous).where(t.c.id > last).order_by(t.c.id).limit(BATCH)).all()
        for row_id, previous in rows:
            note = previous.get("note") if isinstance(previous, dict) else None
            if isinstance(note, str) and scrub(note) != note:
                conn.execute(sa.update(t).where(t.c.id == row_id).values(previous={**previous, "note": scrub(note)}))
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column('auth_session', sa.Column('proved_at', diary.db.UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    for table in ("enrolment_code", "staff_invite"):
        conn.execute(sa.text(f"UPDATE {table} SET code_hash = 'sha256:' || code_hash "
                             "WHERE code_hash NOT LIKE '%:%'"))
    for table, key, columns in TEXT_COLUMNS:
        for column in columns:
            _scrub_column(conn, table, key, column)
    _scrub_revisions(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for table in ("enrolment_code", "staff_invite"):
        # Keyed hashes cannot be turned back: those codes are withdrawn.
        conn.execute(sa.text(f"UPDATE {table} SET revoked_at = CURRENT_TIMESTAMP "
                             "WHERE code_hash LIKE 'hmac-sha256:%' AND revoked_at IS NULL AND used_at IS NULL"))
        conn.execute(sa.text(f"UPDATE {table} SET code_hash = substr(code_hash, 8) WHERE code_hash LIKE 'sha256:%'"))
    with op.batch_alter_table('auth_session') as batch:
        batch.drop_column('proved_at')
