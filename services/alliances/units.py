"""An alliance's member units (成员单位): joining, leaving, and the history of both."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from policies.paths import is_within
from policies.principal import Principal
from services.alliances import repository
from services.alliances.errors import (
    AlreadyInAlliance,
    InvalidAllianceUnit,
    NotAnAllianceUnit,
    UnitHasPartTimeMembers,
    UnitNotInAllianceScope,
)
from services.alliances.models import Alliance, AllianceUnit
from services.alliances.service import LABELS, day, named, open_for_change, record_change
from services.registry import fields
from services.registry import repository as registry
from services.registry.errors import UnitNotFound
from services.registry.models import RegistryStatus, Unit
from tenants.hierarchy.service import get_node

clean = fields.Cleaner(InvalidAllianceUnit, LABELS)


async def get_unit(session: AsyncSession, unit_id: int, *, field: str = "unitId") -> Unit:
    unit = await registry.get_unit(session, unit_id)
    if unit is None:
        raise UnitNotFound("未找到该单位党组织", field=field)
    return unit


async def add_unit(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    unit_id: int,
    *,
    joined_on: date | None = None,
    role: str | None = None,
) -> tuple[Alliance, AllianceUnit, Unit]:
    """A unit on the register, located within the alliance's node, joins it."""
    alliance = await open_for_change(session, principal, alliance_id)
    unit = await get_unit(session, unit_id)
    if unit.status is not RegistryStatus.ACTIVE:
        raise InvalidAllianceUnit(f"“{unit.name}”已退出单位名册，不能加入联盟", field="unitId")
    if not is_within(unit.scope_path, alliance.scope_path):
        node = await get_node(session, alliance.node_id)
        raise UnitNotInAllianceScope(
            f"“{unit.name}”不在“{node.name}”范围内，不能加入“{alliance.name}”", field="unitId"
        )
    if await repository.current_membership(session, alliance.id, unit.id) is not None:
        raise AlreadyInAlliance(f"“{unit.name}”已是“{alliance.name}”的成员单位", field="unitId")
    membership = AllianceUnit(
        tenant_id=alliance.tenant_id,
        alliance_id=alliance.id,
        unit_id=unit.id,
        role=clean("role", fields.optional_text, role),
        joined_on=day(
            joined_on,
            "joinedOn",
            InvalidAllianceUnit,
            not_before=alliance.established_on,
            since="联盟成立日期",
        ),
    )
    session.add(membership)
    await session.flush()
    payload = {
        **named(alliance),
        "unit_id": unit.id,
        "unit_name": unit.name,
        "role": membership.role,
        "joined_on": membership.joined_on.isoformat(),
    }
    await record_change(session, principal, alliance, "unit_joined", payload)
    return alliance, membership, unit


async def remove_unit(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    unit_id: int,
    *,
    left_on: date | None = None,
) -> tuple[Alliance, AllianceUnit, Unit]:
    """A member unit leaves (its membership is kept as history). Refused while part-time
    members appointed from it still serve: whether they stay is the alliance's decision,
    so it is made explicitly (endPartTimeMember) rather than as a side effect."""
    alliance = await open_for_change(session, principal, alliance_id)
    unit = await get_unit(session, unit_id)
    membership = await repository.current_membership(session, alliance.id, unit.id)
    if membership is None:
        raise NotAnAllianceUnit(f"“{unit.name}”不是“{alliance.name}”的成员单位", field="unitId")
    serving = await repository.current_appointments_from_unit(session, alliance.id, unit.id)
    if serving:
        raise UnitHasPartTimeMembers(
            f"“{unit.name}”还有 {serving} 名兼职委员在任，请先免去其职务再退出联盟",
            field="unitId",
        )
    membership.left_on = day(
        left_on,
        "leftOn",
        InvalidAllianceUnit,
        not_before=membership.joined_on,
        since="加入日期",
    )
    await session.flush()
    payload = {
        **named(alliance),
        "unit_id": unit.id,
        "unit_name": unit.name,
        "left_on": membership.left_on.isoformat(),
    }
    await record_change(session, principal, alliance, "unit_left", payload)
    return alliance, membership, unit


async def units_of(
    session: AsyncSession, alliance_ids: list[int], *, include_past: bool
) -> list[tuple[AllianceUnit, Unit]]:
    """The member units of alliances already read (current ones, or all ever)."""
    return await repository.units_of(session, alliance_ids, include_past=include_past)
