"""The member register: in-service Party members, their work unit and where they live.

Mobile and ID-card numbers are sealed at rest and found through their keyed hash; they
leave the register masked unless the reader's role may see them in clear, and every
clear read is written to the audit log.
"""

import enum
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from infra.personal_data import PersonalData, mask_id_card, mask_mobile
from policies import access, audit
from policies.principal import Principal
from services.registry import fields, repository
from services.registry.errors import (
    IdCardTaken,
    InvalidMember,
    MemberNotFound,
    MobileTaken,
)
from services.registry.models import Member, RegistryStatus
from services.registry.numbers import BadNumber, check_id_card, check_mobile
from services.registry.repository import MemberFilter
from services.registry.units import get_unit
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import get_node, ref

LABELS = {
    "name": "姓名",
    "gender": "性别",
    "mobile": "手机号",
    "idCard": "身份证号",
    "joinedPartyOn": "入党日期",
    "unitId": "工作单位",
    "residenceId": "居住地",
    "skills": "技能特长",
    "reason": "退出原因",
}
RESIDENCE_KINDS = (NodeKind.COMMUNITY, NodeKind.COMPOUND)


class PersonalField(enum.StrEnum):
    MOBILE = "mobile"
    ID_CARD = "id_card"


def owns_member(principal: Principal, member: Member) -> bool:
    """Whether the member is the caller's own (`:own` in the policy): the member themself,
    or the admin account of the member's unit."""
    return principal.member_id == member.id or principal.unit_id == member.unit_id


@dataclass(frozen=True)
class MemberDraft:
    """A member as typed in; None leaves a field unset (or, in a correction, unchanged)."""

    name: object = None
    gender: object = None
    mobile: object = None
    id_card: object = None
    joined_party_on: object = None
    unit_id: int | None = None
    node_id: int | None = None
    skills: object = None


clean = fields.Cleaner(InvalidMember, LABELS)


def check_residence(node: Node) -> None:
    if node.kind not in RESIDENCE_KINDS:
        raise InvalidMember(
            f"「居住地」应为社区（村）或小区，而“{node.name}”不是", field="residenceId"
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidMember(f"「居住地」“{node.name}”已撤销", field="residenceId")


def joining_date(value: object) -> date | None:
    return fields.joining_date(value, today())


async def _check_numbers_free(session: AsyncSession, principal: Principal, member: Member) -> None:
    """Refuse numbers another member holds (named only to whoever may see that member)."""
    ids = [member.id_card_index] if member.id_card_index else []
    with session.no_autoflush:
        holders = await repository.members_by_index(session, [member.mobile_index], ids)
    for other in holders:
        if other.id == member.id:
            continue
        visible = access.may(principal, other.scope_path, "member", "read")
        holder = f"党员“{other.name}”" if visible else "另一名党员"
        if other.mobile_index == member.mobile_index:
            raise MobileTaken(f"该手机号已登记为{holder}的号码", field="mobile")
        raise IdCardTaken(f"该身份证号已登记为{holder}", field="idCard")


def _seal_mobile(member: Member, personal: PersonalData, mobile: str) -> None:
    member.mobile_sealed, member.mobile_index = personal.seal(mobile), personal.index(mobile)


def _seal_id_card(member: Member, personal: PersonalData, number: str | None) -> None:
    member.id_card_sealed = personal.seal(number) if number else None
    member.id_card_index = personal.index(number) if number else None


async def get_member(session: AsyncSession, member_id: int) -> Member:
    member = await repository.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="id")
    return member


def _here(member: Member) -> tuple[int, str]:
    return member.node_id, member.scope_path


async def read_member(session: AsyncSession, principal: Principal, member_id: int) -> Member:
    member = await get_member(session, member_id)
    access.require(session, principal, resource="member", action="read", node=_here(member))
    return member


async def list_members(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    page: Page,
    where: MemberFilter,
    *,
    number: str | None = None,
) -> PageOf[Member]:
    """Members the principal may see; `number` finds one by mobile or ID-card number."""
    if number is not None and number.strip():
        where = replace(where, number_index=personal.index(_whole_number(number)))
    scope = access.scope(principal, "member", "read", Member.scope_path)
    return await repository.members_page(session, scope, page, where)


def _whole_number(number: str) -> str:
    """A mobile or ID-card number searched for, cleaned as it was when stored."""
    for check in (check_mobile, check_id_card):
        try:
            return check(number)
        except BadNumber:
            continue
    raise InvalidMember("请输入完整的 11 位手机号或 18 位身份证号", field="number")


def may_see_clear(principal: Principal, member: Member) -> bool:
    return access.may(principal, member.scope_path, "member", "read_personal")


def masked(member: Member, personal: PersonalData, field: PersonalField) -> str | None:
    """The number as most readers see it: 138****5678."""
    if field is PersonalField.MOBILE:
        return mask_mobile(personal.open(member.mobile_sealed))
    if member.id_card_sealed is None:
        return None
    return mask_id_card(personal.open(member.id_card_sealed))


def reveal(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    member: Member,
    field: PersonalField,
) -> str | None:
    """The number in clear, for a reader whose role may see it; the read is audited
    whatever becomes of the request that asked."""
    sealed = member.mobile_sealed if field is PersonalField.MOBILE else member.id_card_sealed
    access.require(
        session,
        principal,
        resource="member",
        action="read_personal",
        node=_here(member),
        object_id=str(member.id),
    )
    if sealed is None:
        return None
    audit.record_disclosure(
        session,
        action=f"member.{field.value}.read",
        actor=principal,
        node=_here(member),
        object_type="member",
        object_id=str(member.id),
    )
    return personal.open(sealed)


def _snapshot(member: Member) -> dict[str, Any]:
    """What the audit log may keep of a member: no personal numbers, only whether they
    changed (their keyed hashes are compared, never written down)."""
    return {
        "name": member.name,
        "gender": member.gender.value,
        "joined_party_on": member.joined_party_on.isoformat() if member.joined_party_on else None,
        "unit_id": member.unit_id,
        "node_id": member.node_id,
        "skills": list(member.skills),
    }


async def add_member(
    session: AsyncSession, principal: Principal, personal: PersonalData, draft: MemberDraft
) -> Member:
    if draft.node_id is None:
        raise InvalidMember("「居住地」不能为空", field="residenceId")
    if draft.unit_id is None:
        raise InvalidMember("「工作单位」不能为空", field="unitId")
    node = await get_node(session, draft.node_id)
    access.require(session, principal, resource="member", action="create", node=ref(node))
    check_residence(node)
    unit = await get_unit(session, draft.unit_id)
    if unit.status is RegistryStatus.RETIRED:
        raise InvalidMember(f"「工作单位」“{unit.name}”已退出", field="unitId")
    member = Member(
        tenant_id=bound_tenant(session),
        name=clean("name", fields.person_name, draft.name),
        gender=clean("gender", fields.gender, draft.gender),
        joined_party_on=clean("joinedPartyOn", joining_date, draft.joined_party_on),
        unit_id=unit.id,
        node_id=node.id,
        scope_path=node.path,
        skills=clean("skills", fields.skills, draft.skills),
        status=RegistryStatus.ACTIVE,
    )
    _seal_mobile(member, personal, clean("mobile", fields.mobile, draft.mobile))
    _seal_id_card(member, personal, clean("idCard", fields.id_card, draft.id_card))
    await _check_numbers_free(session, principal, member)
    session.add(member)
    await session.flush()
    await audit.record(
        session,
        action="member.created",
        actor=principal,
        node=ref(node),
        object_type="member",
        object_id=str(member.id),
        detail=_snapshot(member),
    )
    return member


async def correct_member(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    member_id: int,
    draft: MemberDraft,
) -> Member:
    """Change the fields given. An empty ID-card number clears it."""
    member = await get_member(session, member_id)
    access.require(session, principal, resource="member", action="update", node=_here(member))
    before = _snapshot(member)
    numbers_changed = []
    if draft.node_id is not None and draft.node_id != member.node_id:
        node = await get_node(session, draft.node_id)
        access.require(session, principal, resource="member", action="update", node=ref(node))
        check_residence(node)
        member.node_id, member.scope_path = node.id, node.path
    if draft.unit_id is not None and draft.unit_id != member.unit_id:
        unit = await get_unit(session, draft.unit_id)
        if unit.status is RegistryStatus.RETIRED:
            raise InvalidMember(f"「工作单位」“{unit.name}”已退出", field="unitId")
        member.unit_id = unit.id
    if draft.name is not None:
        member.name = clean("name", fields.person_name, draft.name)
    if draft.gender is not None:
        member.gender = clean("gender", fields.gender, draft.gender)
    if draft.joined_party_on is not None:
        member.joined_party_on = clean("joinedPartyOn", joining_date, draft.joined_party_on)
    if draft.skills is not None:
        member.skills = clean("skills", fields.skills, draft.skills)
    if draft.mobile is not None:
        mobile = clean("mobile", fields.mobile, draft.mobile)
        if personal.index(mobile) != member.mobile_index:
            _seal_mobile(member, personal, mobile)
            numbers_changed.append("mobile")
    if draft.id_card is not None:
        number = clean("idCard", fields.id_card, draft.id_card)
        if (personal.index(number) if number else None) != member.id_card_index:
            _seal_id_card(member, personal, number)
            numbers_changed.append("id_card")
    await _check_numbers_free(session, principal, member)
    after = _snapshot(member)
    await session.flush()
    await audit.record(
        session,
        action="member.corrected",
        actor=principal,
        node=_here(member),
        object_type="member",
        object_id=str(member.id),
        detail={
            "before": {k: v for k, v in before.items() if after[k] != v},
            "after": {k: v for k, v in after.items() if before[k] != v},
            "numbers_changed": numbers_changed,
        },
    )
    return member


async def retire_member(
    session: AsyncSession, principal: Principal, member_id: int, *, reason: str
) -> Member:
    """Take a member off the register (transferred out, retired from work …), kept with
    the reason."""
    member = await get_member(session, member_id)
    access.require(session, principal, resource="member", action="retire", node=_here(member))
    cleaned = clean("reason", fields.required_text, reason)
    if member.status is RegistryStatus.RETIRED:
        raise InvalidMember(f"党员“{member.name}”已退出", field="id")
    member.status, member.retired_reason = RegistryStatus.RETIRED, cleaned
    await session.flush()
    await audit.record(
        session,
        action="member.retired",
        actor=principal,
        node=_here(member),
        object_type="member",
        object_id=str(member.id),
        detail={"reason": cleaned},
    )
    return member
