"""The principal's grants, as this process's enforcer for the county holds them."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from policies import repository
from policies.enforcer import EnforcerCache, enforcers
from policies.principal import Grant


async def grants_for_user(
    session: AsyncSession, tenant_id: UUID, user_id: UUID, cache: EnforcerCache = enforcers
) -> tuple[Grant, ...]:
    enforcer = cache.tenant(tenant_id)
    subject = f"user:{user_id}"
    held = enforcer.grants.get(subject)
    if held is None:
        generation = enforcer.generation
        held = await repository.grants_of(session, user_id)
        enforcer.remember(subject, held, generation)
    return held
