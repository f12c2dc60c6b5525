"""Test harness: a real PostgreSQL, migrated once per run, a fresh clone for each test."""

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import platformdirs
import pytest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL

from api.app import create_app
from infra import migrate
from infra.bootstrap import (
    OWNER_ROLE,
    drop_database,
    ensure_database,
    ensure_roles,
    role_url,
)
from infra.db import Database, libpq_url
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings
from tenants.models import Tenant
from tenants.service import create_tenant


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Benchmarks run only when asked for by path: `uv run pytest tests/benchmarks -s`."""
    if "benchmarks" in collection_path.parts:
        asked = any("benchmarks" in str(arg) for arg in config.args)
        return None if asked else True
    return None


# Per run, so two runs sharing a server (a developer and CI) never clone a half-made one.
TEMPLATE_DATABASE = f"gongjian_test_template_{os.getpid()}"
APP_ROLE = "gongjian_app"


class HarnessEnvironment(BaseSettings):
    """Where the tests find their services."""

    model_config = SettingsConfigDict(extra="ignore")

    # A superuser (or CREATEROLE + CREATEDB) connection to a PostgreSQL ≥ 15 whose roles
    # log in without a password (trust); unset means an embedded server.
    test_database_url: str | None = Field(default=None, alias="TEST_DATABASE_URL")


@dataclass(frozen=True)
class Server:
    admin_url: str


@dataclass(frozen=True)
class ClonedDatabase:
    name: str
    admin_url: str
    app_url: URL
    owner_url: URL


@pytest.fixture(scope="session")
async def server() -> AsyncIterator[Server]:
    environment = HarnessEnvironment()
    embedded: EmbeddedPostgres | None = None
    if environment.test_database_url:
        admin_url = environment.test_database_url
    else:
        embedded = EmbeddedPostgres(platformdirs.user_cache_path("gongjian") / "test-postgres")
        admin_url = embedded.start()
        await _tune_for_tests(admin_url)
    await ensure_roles(admin_url, app_role=APP_ROLE)
    await drop_database(admin_url, TEMPLATE_DATABASE)
    await ensure_database(admin_url, TEMPLATE_DATABASE)
    await migrate.upgrade(
        role_url(admin_url, role=OWNER_ROLE, database=TEMPLATE_DATABASE), app_role=APP_ROLE
    )
    try:
        yield Server(admin_url=admin_url)
    finally:
        await drop_database(admin_url, TEMPLATE_DATABASE)
        if embedded is not None:
            embedded.stop()


async def _tune_for_tests(admin_url: str) -> None:
    """A throwaway server need not survive a power cut: skip the disk flushes."""
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            await connection.execute(f"ALTER SYSTEM SET {setting} = off")
        await connection.execute("SELECT pg_reload_conf()")
    finally:
        await connection.close()


_clone_numbers = itertools.count()


@pytest.fixture
async def test_database(server: Server) -> AsyncIterator[ClonedDatabase]:
    """A migrated database of this test's own, cloned from the template."""
    name = f"gongjian_test_{os.getpid()}_{next(_clone_numbers)}"
    await ensure_database(server.admin_url, name, template=TEMPLATE_DATABASE)
    try:
        yield ClonedDatabase(
            name=name,
            admin_url=server.admin_url,
            app_url=role_url(server.admin_url, role=APP_ROLE, database=name),
            owner_url=role_url(server.admin_url, role=OWNER_ROLE, database=name),
        )
    finally:
        await drop_database(server.admin_url, name)


@pytest.fixture
def settings(test_database: ClonedDatabase, tmp_path: Path) -> Settings:
    return Settings(
        database_url=test_database.app_url.render_as_string(hide_password=False),
        owner_database_url=test_database.owner_url.render_as_string(hide_password=False),
        data_dir=tmp_path / "data",
        app_role=APP_ROLE,
        db_pool_size=2,
        db_max_overflow=0,
        secret_key="tests-only-signing-key-0123456789abcdef",
        # argon2id at test cost: the same algorithm, a fraction of the work.
        password_time_cost=1,
        password_memory_kib=1024,
    )


@pytest.fixture
async def db(test_database: ClonedDatabase) -> AsyncIterator[Database]:
    database = Database(test_database.app_url, pool_size=2, max_overflow=0)
    try:
        yield database
    finally:
        await database.dispose()


@asynccontextmanager
async def asgi_client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built now (after any Sentry set-up), called over ASGI, with the
    app's lifespan (its grant listener) running around it."""
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gongjian.test") as client,
    ):
        yield client


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """Calls the app as a client would, over ASGI."""
    async with asgi_client(settings, db) as c:
        yield c


MakeTenant = Callable[..., Awaitable[Tenant]]


@pytest.fixture
def make_tenant(db: Database) -> MakeTenant:
    codes = itertools.count(130101)

    async def make(*, county_code: str | None = None, name: str = "测试县") -> Tenant:
        async with db.unit_of_work() as uow:
            return await create_tenant(
                await uow.session(), county_code=county_code or str(next(codes)), name=name
            )

    return make


GraphQLCall = Callable[..., Awaitable[dict[str, object]]]


@pytest.fixture
def graphql(client: httpx.AsyncClient) -> GraphQLCall:
    """POST an operation to /graphql; return the decoded JSON body."""

    async def call(
        query: str,
        variables: dict[str, object] | None = None,
        *,
        county: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, object]:
        all_headers = dict(headers or {})
        if county is not None:
            all_headers["X-County-Code"] = county
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    return call
