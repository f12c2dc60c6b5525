"""Who an account acts for as its own: the unit whose Party organisation it administers
(单位党组织管理员), or the member it belongs to (在职党员本人)."""

from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from policies import access, audit
from policies.principal import Principal
from services.identity import repository as identity
from services.identity.errors import UserNotFound
from services.identity.models import User
from services.registry.errors import InvalidMember
from services.registry.members import read_member
from services.registry.units import read_unit
from tenants.hierarchy.service import get_node, ref


async def link_account(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: UUID,
    unit_id: int | None,
    member_id: int | None,
) -> User:
    """Set (or, with None, clear) the unit and the member an account acts for; the caller
    must be able to manage the account and see the unit and the member."""
    user = await identity.get_user(session, user_id)
    if user is None or user.node_id is None:
        raise UserNotFound("未找到该账号", field="userId")
    home = ref(await get_node(session, user.node_id))
    access.require(session, principal, resource="user", action="update", node=home)
    before = {"unit_id": user.unit_id, "member_id": user.member_id}
    user.unit_id = None if unit_id is None else (await read_unit(session, principal, unit_id)).id
    user.member_id = (
        None if member_id is None else (await read_member(session, principal, member_id)).id
    )
    try:
        await session.flush()
    except IntegrityError as error:
        raise InvalidMember("该党员已绑定另一个账号", field="memberId") from error
    await audit.record(
        session,
        action="user.linked",
        actor=principal,
        node=home,
        object_type="user",
        object_id=str(user.id),
        detail={"before": before, "after": {"unit_id": user.unit_id, "member_id": user.member_id}},
    )
    return user
