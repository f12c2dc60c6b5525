"""Row-level security keeps every county's rows to itself, and fails closed."""

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from infra.db import Database, libpq_url
from services.events.models import Event
from services.events.service import record_event
from tests.conftest import APP_ROLE, ClonedDatabase, MakeTenant

EXPECTED_PREDICATE = (
    "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"
)


async def _catalog(test_database: ClonedDatabase, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(libpq_url(test_database.owner_url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


async def test_every_tenant_table_forces_a_fail_closed_policy(
    test_database: ClonedDatabase,
) -> None:
    tables = await _catalog(
        test_database,
        """
        SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY c.relname
        """,
    )
    assert "events" in {t["relname"] for t in tables}
    policies = await _catalog(
        test_database,
        """
        SELECT polrelid, polcmd::text AS polcmd, polpermissive, polroles,
               pg_get_expr(polqual, polrelid) AS using_expr,
               pg_get_expr(polwithcheck, polrelid) AS check_expr
        FROM pg_policy
        """,
    )
    problems = []
    for table in tables:
        name = table["relname"]
        if not table["relrowsecurity"]:
            problems.append(f"{name}: row-level security not enabled")
        if not table["relforcerowsecurity"]:
            problems.append(f"{name}: row-level security not forced")
        own = [p for p in policies if p["polrelid"] == table["oid"]]
        isolating = [
            p
            for p in own
            if p["polcmd"] == "*"
            and p["polpermissive"]
            and list(p["polroles"]) == [0]
            and p["using_expr"] == EXPECTED_PREDICATE
            and p["check_expr"] == EXPECTED_PREDICATE
        ]
        if not isolating:
            problems.append(f"{name}: no tenant policy with USING and WITH CHECK on the setting")
        if len(own) != len(isolating):
            problems.append(f"{name}: other policies could widen access: {own}")
    assert problems == []


async def test_tenant_id_leads_every_key_and_index_of_tenant_tables(
    test_database: ClonedDatabase,
) -> None:
    leading = await _catalog(
        test_database,
        """
        SELECT c.relname AS table_name, i.relname AS index_name,
               a.attname AS first_column
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
        WHERE n.nspname = 'public'
          AND EXISTS (SELECT 1 FROM pg_attribute t
                      WHERE t.attrelid = c.oid AND t.attname = 'tenant_id')
        """,
    )
    assert leading, "tenant tables have at least their primary keys"
    assert [r for r in leading if r["first_column"] != "tenant_id"] == []
    foreign_keys = await _catalog(
        test_database,
        """
        SELECT conname, a.attname AS first_column
        FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
        WHERE k.contype = 'f'
          AND EXISTS (SELECT 1 FROM pg_attribute t
                      WHERE t.attrelid = c.oid AND t.attname = 'tenant_id')
        """,
    )
    assert [r for r in foreign_keys if r["first_column"] != "tenant_id"] == []


async def test_app_role_owns_nothing_and_cannot_bypass_row_security(
    test_database: ClonedDatabase,
) -> None:
    role = await _catalog(
        test_database,
        f"SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = '{APP_ROLE}'",
    )
    assert [(r["rolsuper"], r["rolbypassrls"]) for r in role] == [(False, False)]
    owned = await _catalog(
        test_database,
        f"""
        SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
        WHERE r.rolname = '{APP_ROLE}'
        """,
    )
    assert owned == []


async def test_app_role_cannot_create_tables(db: Database) -> None:
    with pytest.raises(DBAPIError, match="permission denied for schema public"):
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE intruder (id int)"))


async def test_a_one_connection_pool_alternating_tenants_leaks_nothing(
    test_database: ClonedDatabase, make_tenant: MakeTenant
) -> None:
    first = await make_tenant(county_code="130102", name="甲县")
    second = await make_tenant(county_code="130104", name="乙县")
    database = Database(test_database.app_url, pool_size=1, max_overflow=0)
    backends: set[int] = set()
    try:
        for round_number in range(6):
            for tenant in (first, second):
                async with database.unit_of_work() as uow:
                    session = await uow.session()
                    # A new transaction on the pooled connection starts with no tenant.
                    leftover = await session.scalar(
                        select(func.current_setting("app.tenant_id", True))
                    )
                    assert leftover in (None, "")
                    backends.add(int(await session.scalar(select(func.pg_backend_pid())) or 0))
                async with database.tenant_session(tenant.id) as session:
                    await record_event(session, type="test.round", payload={"round": round_number})
                    seen = (await session.execute(select(Event.tenant_id))).scalars().all()
                    assert set(seen) == {tenant.id}
                    assert len(seen) == round_number + 1
        assert len(backends) == 1, "every transaction used the same pooled connection"
        async with database.unit_of_work() as uow:
            session = await uow.session()
            assert (await session.execute(select(Event))).all() == []
    finally:
        await database.dispose()


async def test_without_a_tenant_nothing_can_be_written(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.unit_of_work() as uow:
            session = await uow.session()
            session.add(Event(tenant_id=tenant.id, type="test.orphan", payload={}))
            await session.flush()


async def test_a_tenant_cannot_write_or_read_another_tenants_rows(
    db: Database, make_tenant: MakeTenant
) -> None:
    mine = await make_tenant(county_code="130105")
    theirs = await make_tenant(county_code="130107")
    async with db.tenant_session(theirs.id) as session:
        await record_event(session, type="test.private")
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant_session(mine.id) as session:
            session.add(Event(tenant_id=theirs.id, type="test.forged", payload={}))
            await session.flush()
    async with db.tenant_session(mine.id) as session:
        count = await session.scalar(
            select(func.count()).select_from(Event).where(Event.tenant_id == theirs.id)
        )
        assert count == 0
    async with db.tenant_session(theirs.id) as session:
        types = (await session.execute(select(Event.type))).scalars().all()
        assert types == ["test.private"]
