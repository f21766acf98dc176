"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import SQLModel

import diary.models  # noqa: F401
from diary.db import make_engine
from diary.migrate import alembic_config, compare_type


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


# Neither backend can reflect the expression index on lower(name): Alembic says
# so and leaves it out of the comparison.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models(db_url):  # type: ignore[no-untyped-def]
    async def inspect():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda c: compare_metadata(MigrationContext.configure(c, opts={"compare_type": compare_type}), SQLModel.metadata))
                version = (await conn.execute(text("select version_num from alembic_version"))).scalar()
                return diff, version
        finally:
            await engine.dispose()

    diff, version = asyncio.run(inspect())
    assert diff == []
    assert version == ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
