"""Grant changes reach every process's enforcer cache through LISTEN/NOTIFY."""

import asyncio
from uuid import uuid4

from infra.db import Database, libpq_url
from policies.enforcer import EnforcerCache
from policies.listener import GrantListener, announce_grants_changed
from policies.principal import Grant
from tests.conftest import MakeTenant

GRANT = (Grant(role="member", node_id=1, path="1."),)


async def wait_until(condition: object, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if callable(condition) and condition():
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_change_committed_elsewhere_drops_the_cached_grants(
    db: Database, make_tenant: MakeTenant
) -> None:
    tenant = await make_tenant()
    other_process = EnforcerCache()
    listener = GrantListener(libpq_url(db.url), other_process)
    listener.start()
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        enforcer = other_process.tenant(tenant.id)
        enforcer.load({"user:a": GRANT, "user:b": GRANT})

        async with db.tenant_session(tenant.id) as session:
            await announce_grants_changed(session, tenant.id, "user:a")
            await asyncio.sleep(0.2)
            assert "user:a" in enforcer.grants, "nothing is sent before the commit"

        assert await wait_until(lambda: "user:a" not in enforcer.grants)
        assert "user:b" in enforcer.grants

        async with db.tenant_session(tenant.id) as session:
            await announce_grants_changed(session, tenant.id)
        assert await wait_until(lambda: not enforcer.grants)
    finally:
        await listener.stop()


async def test_a_change_rolled_back_drops_nothing(db: Database, make_tenant: MakeTenant) -> None:
    tenant = await make_tenant()
    cache = EnforcerCache()
    listener = GrantListener(libpq_url(db.url), cache)
    listener.start()
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        cache.tenant(tenant.id).load({"user:a": GRANT})
        async with db.unit_of_work() as uow:
            session = await uow.session()
            await announce_grants_changed(session, tenant.id, "user:a")
            uow.rollback_only = True
        await asyncio.sleep(0.3)
        assert "user:a" in cache.tenant(tenant.id).grants
    finally:
        await listener.stop()


def test_grants_loaded_before_an_invalidation_are_not_kept() -> None:
    cache = EnforcerCache()
    tenant_id = uuid4()
    enforcer = cache.tenant(tenant_id)
    generation = enforcer.generation
    cache.invalidate(tenant_id, "user:a")
    enforcer.remember("user:a", GRANT, generation)
    assert "user:a" not in enforcer.grants
    enforcer.remember("user:a", GRANT, enforcer.generation)
    assert enforcer.grants["user:a"] == GRANT
