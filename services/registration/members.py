"""在职党员到社区报到: slips submitted by the unit (in batches) or by the member, and a
member's move to another community (the old registration ends, a new slip goes out)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.registration import inputs, places, repository, slips
from services.registration.errors import (
    AlreadyRegistered,
    InvalidRegistration,
    NotConfirmed,
)
from services.registration.inputs import STATE_PHRASES
from services.registration.models import (
    MemberRegistration,
    RegistrationChannel,
    RegistrationStatus,
)
from services.registration.numbers import Series, take_numbers
from services.registry.members import owns_member
from services.registry.models import Member, RegistryStatus
from services.registry.units import get_unit
from tenants.hierarchy.models import Node
from tenants.hierarchy.service import ref

MAX_BATCH = 500


def _already(
    members: Sequence[Member], held: dict[int, MemberRegistration], *, field: str
) -> AlreadyRegistered:
    names = "、".join(
        f"{m.name}（报到单 {held[m.id].slip_number}，{STATE_PHRASES[held[m.id].status]}）"
        for m in members
        if m.id in held
    )
    return AlreadyRegistered(
        f"以下党员已有报到，不能重复报到：{names}；迁居请用“迁居转报到”", field=field
    )


async def _submit(
    session: AsyncSession,
    principal: Principal,
    members: Sequence[Member],
    homes: dict[int, tuple[Node, Node]],
    channel: RegistrationChannel,
    *,
    moved_from: dict[int, int] | None = None,
) -> list[MemberRegistration]:
    """Slips for `members` (already checked and locked), at `homes[member.id]` =
    (community, residence); the residence on the register follows the slip."""
    numbers = await take_numbers(session, Series.SLIP, len(members))
    batch_id = uuid.uuid4() if channel is RegistrationChannel.UNIT_BATCH else None
    made = []
    for member, number in zip(members, numbers, strict=True):
        community, residence = homes[member.id]
        if member.node_id != residence.id:
            member.node_id, member.scope_path = residence.id, residence.path
        registration = MemberRegistration(
            tenant_id=bound_tenant(session),
            slip_number=number,
            member_id=member.id,
            unit_id=member.unit_id,
            community_id=community.id,
            node_id=residence.id,
            scope_path=residence.path,
            channel=channel,
            batch_id=batch_id,
            status=RegistrationStatus.SUBMITTED,
            submitted_by=principal.account_id,
            moved_from_id=(moved_from or {}).get(member.id),
        )
        session.add(registration)
        made.append(registration)
    try:
        await session.flush()
    except IntegrityError as error:
        raise AlreadyRegistered(
            "有党员刚刚已提交报到，不能重复报到，请刷新后再试", field="memberIds"
        ) from error
    for registration in made:
        community = homes[registration.member_id][0]
        await slips.log(
            session,
            principal,
            registration,
            "submitted",
            channel=channel.value,
            community_name=community.name,
            batch_id=str(batch_id) if batch_id else None,
            moved_from_id=registration.moved_from_id,
        )
    return made


def _channel(principal: Principal, member: Member | int) -> RegistrationChannel:
    """How the slip came: from the member, their unit (a member or the unit's id), or staff."""
    if isinstance(member, Member) and principal.member_id == member.id:
        return RegistrationChannel.SELF
    unit_id = member.unit_id if isinstance(member, Member) else member
    if principal.unit_id == unit_id:
        return RegistrationChannel.UNIT_BATCH
    return RegistrationChannel.STAFF


async def _locked_members(
    session: AsyncSession, member_ids: Sequence[int], *, field: str
) -> list[Member]:
    if not member_ids:
        raise InvalidRegistration("「报到党员」至少选择一名", field=field)
    if len(set(member_ids)) > MAX_BATCH:
        raise InvalidRegistration(f"一批最多 {MAX_BATCH} 名党员，请分批报到", field=field)
    found = await repository.members_for_update(session, member_ids)
    if any(i not in found for i in member_ids):
        raise InvalidRegistration("「报到党员」中有未找到的党员，请刷新后再选", field=field)
    return [found[i] for i in dict.fromkeys(member_ids)]


def _check_active(members: Sequence[Member], *, field: str) -> None:
    retired = [m.name for m in members if m.status is not RegistryStatus.ACTIVE]
    if retired:
        raise InvalidRegistration(
            f"以下党员已退出名册，不能报到：{'、'.join(retired)}", field=field
        )


async def register_unit_members(
    session: AsyncSession, principal: Principal, *, unit_id: int, member_ids: Sequence[int]
) -> list[MemberRegistration]:
    """The unit sends its members' slips together, each to the community where that
    member lives (整体推进、分批组织). All or none."""
    unit = await get_unit(session, unit_id, field="unitId")
    members = await _locked_members(session, member_ids, field="memberIds")
    for member in members:
        # Where the member lives now; staff there may act, the unit for its own members.
        access.require(
            session,
            principal,
            resource=slips.RESOURCE,
            action="submit",
            node=(member.node_id, member.scope_path),
            owned=principal.unit_id == unit.id == member.unit_id,
        )
    elsewhere = [m.name for m in members if m.unit_id != unit.id]
    if elsewhere:
        raise InvalidRegistration(
            f"以下党员不是“{unit.name}”的党员：{'、'.join(elsewhere)}", field="memberIds"
        )
    _check_active(members, field="memberIds")
    homes = await places.homes(session, {m.node_id for m in members}, field="memberIds")
    by_member = {m.id: homes[m.node_id] for m in members}
    held = await repository.open_member_registrations(session, [m.id for m in members])
    if held:
        raise _already(members, held, field="memberIds")
    return await _submit(session, principal, members, by_member, _channel(principal, unit.id))


def _require_where_living(session: AsyncSession, principal: Principal, member: Member) -> None:
    """Staff act for members living in their scope (the member and their unit anywhere),
    checked before anything about the member is told."""
    if not owns_member(principal, member):
        access.require(
            session,
            principal,
            resource=slips.RESOURCE,
            action="submit",
            node=(member.node_id, member.scope_path),
        )


async def register_member(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: int,
    community_id: int | None = None,
    residence_id: int | None = None,
) -> MemberRegistration:
    """One member's slip, by the member (or their unit, or the community), to the
    community given (by default the one on the register) and the compound in it."""
    (member,) = await _locked_members(session, [member_id], field="memberId")
    _require_where_living(session, principal, member)
    if community_id is None:
        homes = await places.homes(session, [member.node_id], field="memberId")
        community, residence = homes[member.node_id]
        if residence_id is not None:
            residence = await places.residence(
                session, community, residence_id, field="residenceId"
            )
    else:
        community = await places.community(session, community_id, field="communityId")
        residence = await places.residence(session, community, residence_id, field="residenceId")
    access.require(
        session,
        principal,
        resource=slips.RESOURCE,
        action="submit",
        node=ref(community),
        owned=owns_member(principal, member),
    )
    _check_active([member], field="memberId")
    held = await repository.open_member_registrations(session, [member.id])
    if held:
        raise _already([member], held, field="memberId")
    (registration,) = await _submit(
        session,
        principal,
        [member],
        {member.id: (community, residence)},
        _channel(principal, member),
    )
    return registration


async def move_member(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: int,
    community_id: int,
    residence_id: int | None = None,
    reason: str | None = None,
) -> MemberRegistration:
    """The member moved: the registration in force ends (kept in the history) and a new
    slip goes to the community of the new home."""
    (member,) = await _locked_members(session, [member_id], field="memberId")
    _require_where_living(session, principal, member)
    community = await places.community(session, community_id, field="communityId")
    residence = await places.residence(session, community, residence_id, field="residenceId")
    access.require(
        session,
        principal,
        resource=slips.RESOURCE,
        action="submit",
        node=ref(community),
        owned=owns_member(principal, member),
    )
    _check_active([member], field="memberId")
    held = (await repository.open_member_registrations(session, [member.id])).get(member.id)
    if held is None:
        raise NotConfirmed(f"{member.name}目前没有报到，请直接报到", field="memberId")
    if held.community_id == community.id:
        raise InvalidRegistration(
            f"{member.name}已在“{community.name}”报到；迁居请选择新的社区", field="communityId"
        )
    note = f"迁居至{community.name}"
    if reason is not None and reason.strip():
        note += f"：{inputs.reason(reason)}"
    (locked,) = await slips.locked(session, [held.id], field="memberId")
    await slips.end_registration(session, principal, locked, note, field="memberId")
    (registration,) = await _submit(
        session,
        principal,
        [member],
        {member.id: (community, residence)},
        _channel(principal, member),
        moved_from={member.id: locked.id},
    )
    return registration
