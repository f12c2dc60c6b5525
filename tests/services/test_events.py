"""Events are written in the caller's transaction and never changed afterwards."""

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from infra.db import Database
from services.events.models import Event
from services.events.service import record_event
from tests.conftest import MakeTenant


async def test_an_event_commits_with_the_work_that_wrote_it(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        event = await record_event(
            session,
            type="member_registration.confirmed",
            payload={"receipt": "回执-0001"},
            scope_path="130101.001.",
        )
        assert event.id > 0
        assert event.transaction_id > 0
        assert event.occurred_at is not None
    async with db.tenant_session(tenant.id) as session:
        stored = (await session.execute(select(Event))).scalars().one()
    assert (stored.type, stored.payload, stored.scope_path) == (
        "member_registration.confirmed",
        {"receipt": "回执-0001"},
        "130101.001.",
    )


async def test_an_event_of_rolled_back_work_never_exists(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with db.tenant_session(tenant.id) as session:
            await record_event(session, type="project.claimed")
            raise Refused
    async with db.tenant_session(tenant.id) as session:
        assert (await session.execute(select(Event))).all() == []


@pytest.mark.parametrize("bad_type", ["Claimed", "project", "project.", "项目.认领", "a..b"])
async def test_event_types_are_dotted_lower_case_names(
    db: Database, make_tenant: MakeTenant, bad_type: str
) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        with pytest.raises(ValueError, match="event type must be dotted lower-case words"):
            await record_event(session, type=bad_type)


async def test_an_event_needs_a_tenant_bound_session(db: Database) -> None:
    async with db.unit_of_work() as uow:
        session = await uow.session()
        with pytest.raises(RuntimeError, match="not bound to a tenant"):
            await record_event(session, type="project.claimed")


async def test_the_log_is_append_only_for_the_app(db: Database, make_tenant: MakeTenant) -> None:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        await record_event(session, type="project.claimed")
    with pytest.raises(DBAPIError, match="permission denied for table events"):
        async with db.tenant_session(tenant.id) as session:
            await session.execute(update(Event).values(type="project.released"))
    with pytest.raises(DBAPIError, match="permission denied for table events"):
        async with db.tenant_session(tenant.id) as session:
            await session.execute(text("DELETE FROM events"))
