"""在职党员到社区报到: slips submitted by the unit (in batches) or by the member, confirmed
by the community with a numbered receipt, filed by the unit; ended, or moved elsewhere."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.registration import inputs, places, repository
from services.registration.errors import (
    AlreadyRegistered,
    InvalidRegistration,
    NotConfirmed,
    RegistrationClosed,
    RegistrationNotFound,
)
from services.registration.inputs import STATE_PHRASES
from services.registration.models import (
    OPEN_STATUSES,
    MemberRegistration,
    RegistrationChannel,
    RegistrationStatus,
)
from services.registration.numbers import Series, take_numbers
from services.registration.repository import MemberRegistrationFilter
from services.registry.models import Member, RegistryStatus
from services.registry.units import get_unit
from tenants.hierarchy.models import Node
from tenants.hierarchy.service import ref

RESOURCE = "member_registration"
# A batch is one screen of a unit's list; larger ones are split by the unit.
MAX_BATCH = 500


def _here(registration: MemberRegistration) -> tuple[int, str]:
    return registration.node_id, registration.scope_path


def _owns(principal: Principal, registration: MemberRegistration) -> bool:
    """The member's own slip, or one of the unit's members' slips."""
    return principal.member_id == registration.member_id or (
        principal.unit_id is not None and principal.unit_id == registration.unit_id
    )


async def get_member_registration(
    session: AsyncSession, registration_id: int
) -> MemberRegistration:
    found = await repository.member_registration(session, registration_id)
    if found is None:
        raise RegistrationNotFound("未找到该报到单", field="id")
    return found


async def read_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int
) -> MemberRegistration:
    registration = await get_member_registration(session, registration_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=_here(registration),
        owned=_owns(principal, registration),
    )
    return registration


def own_registrations(principal: Principal) -> Any:
    """The slips that are the principal's own, as an SQL condition."""
    mine = MemberRegistration.member_id == (principal.member_id or 0)
    return mine | (MemberRegistration.unit_id == (principal.unit_id or 0))


async def list_member_registrations(
    session: AsyncSession, principal: Principal, page: Page, where: MemberRegistrationFilter
) -> PageOf[MemberRegistration]:
    scope = access.scope_or_own(
        principal, RESOURCE, "read", MemberRegistration.scope_path, own_registrations(principal)
    )
    return await repository.member_registrations_page(session, scope, page, where)


async def _log(
    session: AsyncSession,
    principal: Principal,
    registration: MemberRegistration,
    step: str,
    **detail: Any,
) -> None:
    payload = {
        "member_registration_id": registration.id,
        "slip_number": registration.slip_number,
        "member_id": registration.member_id,
        "unit_id": registration.unit_id,
        "community_id": registration.community_id,
        "status": registration.status.value,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"member_registration.{step}",
        node=_here(registration),
        object_type=RESOURCE,
        object_id=registration.id,
        payload=payload,
        detail={"slip_number": registration.slip_number, **detail},
    )


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
            submitted_by=places.actor_id(principal),
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
        await _log(
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
            resource=RESOURCE,
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


def _own(principal: Principal, member: Member) -> bool:
    return principal.member_id == member.id or principal.unit_id == member.unit_id


def _require_where_living(session: AsyncSession, principal: Principal, member: Member) -> None:
    """Staff act for members living in their scope (the member and their unit anywhere),
    checked before anything about the member is told."""
    if not _own(principal, member):
        access.require(
            session,
            principal,
            resource=RESOURCE,
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
        resource=RESOURCE,
        action="submit",
        node=ref(community),
        owned=_own(principal, member),
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


async def _locked(
    session: AsyncSession, registration_ids: Sequence[int], *, field: str = "ids"
) -> list[MemberRegistration]:
    if not registration_ids:
        raise InvalidRegistration("至少选择一张报到单", field=field)
    found = await repository.member_registrations_for_update(session, registration_ids)
    if any(i not in found for i in registration_ids):
        raise RegistrationNotFound("未找到该报到单", field=field)
    return [found[i] for i in dict.fromkeys(registration_ids)]


def _closed(
    registration: MemberRegistration, wanted: str, *, field: str = "ids"
) -> RegistrationClosed:
    state = STATE_PHRASES[registration.status]
    return RegistrationClosed(
        f"报到单 {registration.slip_number} {state}，不能再{wanted}", field=field
    )


async def confirm_member_registrations(
    session: AsyncSession, principal: Principal, registration_ids: Sequence[int]
) -> list[MemberRegistration]:
    """The community confirms slips and issues a numbered receipt for each. The rows are
    locked first, so of two confirmations of one slip exactly one issues a receipt."""
    registrations = await _locked(session, registration_ids)
    for registration in registrations:
        access.require(
            session, principal, resource=RESOURCE, action="decide", node=_here(registration)
        )
        if registration.status is not RegistrationStatus.SUBMITTED:
            raise _closed(registration, "确认")
    receipts = await take_numbers(session, Series.RECEIPT, len(registrations))
    at = now()
    for registration, receipt in zip(registrations, receipts, strict=True):
        registration.status = RegistrationStatus.CONFIRMED
        registration.decided_by, registration.decided_at = places.actor_id(principal), at
        registration.receipt_number = receipt
    await session.flush()
    for registration in registrations:
        await _log(session, principal, registration, "confirmed")
        await _log(
            session,
            principal,
            registration,
            "receipt_issued",
            receipt_number=receipt_number(registration),
        )
    return registrations


def receipt_number(registration: MemberRegistration) -> str:
    assert registration.receipt_number is not None
    return registration.receipt_number


async def return_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> MemberRegistration:
    (registration,) = await _locked(session, [registration_id], field="id")
    access.require(session, principal, resource=RESOURCE, action="decide", node=_here(registration))
    cleaned = inputs.reason(reason)
    if registration.status is not RegistrationStatus.SUBMITTED:
        raise _closed(registration, "退回", field="id")
    registration.status = RegistrationStatus.RETURNED
    registration.decided_by, registration.decided_at = places.actor_id(principal), now()
    registration.return_reason = cleaned
    await session.flush()
    await _log(session, principal, registration, "returned", reason=cleaned)
    return registration


async def file_receipts(
    session: AsyncSession, principal: Principal, registration_ids: Sequence[int]
) -> list[MemberRegistration]:
    """The work unit has the receipts and files them (回执归档)."""
    registrations = await _locked(session, registration_ids)
    for registration in registrations:
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="file",
            node=_here(registration),
            owned=principal.unit_id == registration.unit_id,
        )
        if registration.receipt_number is None:
            raise NotConfirmed(
                f"报到单 {registration.slip_number} 尚无回执（须社区确认后才有回执）",
                field="ids",
            )
        if registration.receipt_filed_at is not None:
            raise RegistrationClosed(
                f"回执 {registration.receipt_number} 已于 "
                f"{registration.receipt_filed_at.astimezone(CHINA).date().isoformat()} 归档",
                field="ids",
            )
    at = now()
    for registration in registrations:
        registration.receipt_filed_by, registration.receipt_filed_at = (
            places.actor_id(principal),
            at,
        )
    await session.flush()
    for registration in registrations:
        await _log(
            session,
            principal,
            registration,
            "receipt_filed",
            receipt_number=receipt_number(registration),
        )
    return registrations


async def _end(
    session: AsyncSession,
    principal: Principal,
    registration: MemberRegistration,
    reason: str,
    *,
    field: str = "id",
) -> None:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="end",
        node=_here(registration),
        owned=_owns(principal, registration),
    )
    if registration.status not in OPEN_STATUSES:
        raise _closed(registration, "结束", field=field)
    registration.status = RegistrationStatus.ENDED
    registration.ended_by, registration.ended_at = places.actor_id(principal), now()
    registration.end_reason = reason
    await session.flush()
    await _log(session, principal, registration, "ended", reason=reason)


async def end_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> MemberRegistration:
    (registration,) = await _locked(session, [registration_id], field="id")
    await _end(session, principal, registration, inputs.reason(reason))
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
        resource=RESOURCE,
        action="submit",
        node=ref(community),
        owned=_own(principal, member),
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
    (locked,) = await _locked(session, [held.id], field="memberId")
    await _end(session, principal, locked, note, field="memberId")
    (registration,) = await _submit(
        session,
        principal,
        [member],
        {member.id: (community, residence)},
        _channel(principal, member),
        moved_from={member.id: locked.id},
    )
    return registration
