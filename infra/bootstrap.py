"""Makes a database ready: the two roles and the database, given a superuser's connection.

Used for the embedded server and by the tests; for an external server the README gives
the same statements to run by hand.
"""

import re
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import URL, make_url

from infra.db import libpq_url
from infra.embedded import EmbeddedPostgres
from infra.settings import Settings

OWNER_ROLE = "gongjian_owner"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain PostgreSQL identifier: {name!r}")
    return name


async def ensure_roles(admin_url: str, *, app_role: str, owner_role: str = OWNER_ROLE) -> None:
    """The owner (runs migrations) and the app role (owns nothing, no BYPASSRLS)."""
    conn = await asyncpg.connect(libpq_url(admin_url))
    try:
        existing = {r["rolname"] for r in await conn.fetch("SELECT rolname FROM pg_roles")}
        if owner_role not in existing:
            await conn.execute(f"CREATE ROLE {_ident(owner_role)} LOGIN")
        if app_role not in existing:
            await conn.execute(
                f"CREATE ROLE {_ident(app_role)} LOGIN NOSUPERUSER NOBYPASSRLS "
                "NOCREATEDB NOCREATEROLE"
            )
    finally:
        await conn.close()


async def ensure_database(
    admin_url: str,
    database: str,
    *,
    owner_role: str = OWNER_ROLE,
    template: str | None = None,
) -> None:
    """Create `database` owned by the owner role, unless it exists."""
    conn = await asyncpg.connect(libpq_url(admin_url))
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            return
        clause = f" TEMPLATE {_ident(template)} STRATEGY FILE_COPY" if template else ""
        await conn.execute(f"CREATE DATABASE {_ident(database)} OWNER {_ident(owner_role)}{clause}")
    finally:
        await conn.close()


async def drop_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(libpq_url(admin_url))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_ident(database)} WITH (FORCE)")
    finally:
        await conn.close()


def role_url(admin_url: str, *, role: str, database: str) -> URL:
    """The admin URL's server, as `role` on `database` (trust or peer auth assumed)."""
    return make_url(admin_url).set(username=role, password=None, database=database)


EMBEDDED_DATABASE = "gongjian"


@dataclass
class Provisioned:
    """Where the app and the migrations connect, and the embedded server if one was started."""

    app_url: URL
    owner_url: URL | None
    embedded: EmbeddedPostgres | None = None

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


async def provision(settings: Settings) -> Provisioned:
    """The configured database, or an embedded one made ready with both roles."""
    if settings.database_url:
        owner = make_url(settings.owner_database_url) if settings.owner_database_url else None
        return Provisioned(app_url=make_url(settings.database_url), owner_url=owner)
    embedded = EmbeddedPostgres(settings.embedded_postgres_dir)
    admin_url = embedded.start()
    try:
        await ensure_roles(admin_url, app_role=settings.app_role)
        await ensure_database(admin_url, EMBEDDED_DATABASE)
    except BaseException:
        embedded.stop()
        raise
    return Provisioned(
        app_url=role_url(admin_url, role=settings.app_role, database=EMBEDDED_DATABASE),
        owner_url=role_url(admin_url, role=OWNER_ROLE, database=EMBEDDED_DATABASE),
        embedded=embedded,
    )
