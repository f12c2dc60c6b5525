"""Alembic owns the schema: models and migrations agree, and readiness sees the revision."""

from collections.abc import AsyncIterator

import pytest

from infra import migrate
from infra.bootstrap import OWNER_ROLE, drop_database, ensure_database, role_url
from infra.db import Database
from infra.settings import Settings
from tests.conftest import APP_ROLE, ClonedDatabase, Server, asgi_client


async def test_models_and_migrations_agree(test_database: ClonedDatabase) -> None:
    """`alembic check`: autogenerate finds nothing to add."""
    await migrate.check(test_database.owner_url, app_role=APP_ROLE)


async def test_the_test_database_is_at_the_newest_revision(db: Database) -> None:
    async with db.engine.connect() as connection:
        assert await migrate.current_revision(connection) == migrate.head_revision()


@pytest.fixture
async def unmigrated(server: Server) -> AsyncIterator[Database]:
    name = "gongjian_test_unmigrated"
    await drop_database(server.admin_url, name)
    await ensure_database(server.admin_url, name)
    database = Database(role_url(server.admin_url, role=APP_ROLE, database=name))
    try:
        yield database
    finally:
        await database.dispose()
        await drop_database(server.admin_url, name)


async def test_readiness_fails_until_the_schema_is_migrated(
    unmigrated: Database, server: Server, settings: Settings
) -> None:
    async with asgi_client(settings, unmigrated) as client:
        before = await client.get("/readyz")
        await migrate.upgrade(
            role_url(server.admin_url, role=OWNER_ROLE, database="gongjian_test_unmigrated"),
            app_role=APP_ROLE,
        )
        after = await client.get("/readyz")
    assert (before.status_code, before.json()) == (
        503,
        {
            "status": "unavailable",
            "reason": "数据库结构不是最新版本，请运行 gongjian migrate",
            "revision": None,
            "expected": migrate.head_revision(),
        },
    )
    assert (after.status_code, after.json()) == (
        200,
        {"status": "ready", "revision": migrate.head_revision()},
    )


async def test_readiness_fails_when_the_database_is_unreachable(settings: Settings) -> None:
    nowhere = Database("postgresql+asyncpg://gongjian_app@127.0.0.1:1/gongjian")
    async with asgi_client(settings, nowhere) as client:
        response = await client.get("/readyz")
    await nowhere.dispose()
    assert (response.status_code, response.json()) == (
        503,
        {"status": "unavailable", "reason": "数据库无法连接"},
    )
