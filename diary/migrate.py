"""Apply the Alembic migrations shipped in ``diary/migrations``."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import String


def alembic_config(db_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("diary") / "migrations"))
    config.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    return config


def upgrade(db_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(db_url), revision)


def make_revision(db_url: str, message: str) -> None:
    """For developers: autogenerate a migration from the models."""
    command.revision(alembic_config(db_url), message=message, autogenerate=True)


def compare_type(ctx, inspected_column, metadata_column, inspected_type, metadata_type):  # type: ignore[no-untyped-def]
    """How the migrations and the models are compared: as Alembic does, except that on
    SQLite a VARCHAR's length is not compared. SQLite does not enforce it, and widening
    one there would copy the table, which the foreign keys pointing at it forbid."""
    if ctx.dialect.name == "sqlite" and all(
            isinstance(getattr(t, "impl", t), String) for t in (inspected_type, metadata_type)):  # also sqlmodel's AutoString
        return False
    return None  # Alembic's own comparison


def heads() -> frozenset[str]:
    """The revisions a database must be at to be current: the heads of the shipped migrations."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
