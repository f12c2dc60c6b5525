"""Queries and mutations of the unit and member registers."""

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.identity import UserResult, UserSuccess
from api.ids import int_id, uuid_id
from api.results import MutationError, run_step
from api.types.identity import UserType
from api.types.registry import (
    GenderType,
    MemberType,
    PartyOrgTypeType,
    RegistryStatusType,
    UnitKindType,
    UnitType,
)
from policies.principal import Principal
from services.registry import accounts, members, units
from services.registry.members import MemberDraft
from services.registry.models import Gender, PartyOrgType, RegistryStatus, UnitKind
from services.registry.repository import MemberFilter, UnitFilter
from services.registry.units import UnitDraft
from tenants.hierarchy.service import get_node

UNIT = "Unit"
MEMBER = "Member"
USER = "User"


def _node_id(value: relay.GlobalID | None, field: str) -> int | None:
    return None if value is None else int_id(value, NODE, field)


@strawberry.input(description="单位党组织信息；修改时未给出的项保持不变")
class UnitInput:
    name: str | None = strawberry.field(default=None, description="单位名称")
    kind: UnitKindType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="单位类型"
    )
    credit_code: str | None = strawberry.field(
        default=None, description="统一社会信用代码（18 位，含校验位）"
    )
    party_org_type: PartyOrgTypeType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="党组织类型"
    )
    location_id: relay.GlobalID | None = strawberry.field(default=None, description="单位所在社区")
    contact_name: str | None = strawberry.field(default=None, description="联系人")
    contact_phone: str | None = strawberry.field(default=None, description="联系电话")

    def draft(self) -> UnitDraft:
        return UnitDraft(
            name=self.name,
            kind=self.kind,
            credit_code=self.credit_code,
            party_org_type=self.party_org_type,
            node_id=_node_id(self.location_id, "locationId"),
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
        )


@strawberry.input(description="在职党员信息；修改时未给出的项保持不变")
class MemberInput:
    name: str | None = strawberry.field(default=None, description="姓名")
    gender: GenderType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="性别"
    )
    mobile: str | None = strawberry.field(default=None, description="手机号（11 位）")
    id_card: str | None = strawberry.field(
        default=None, description="身份证号（18 位，含校验位；可不填；修改时给空串即清除）"
    )
    joined_party_on: date | None = strawberry.field(default=None, description="入党日期")
    unit_id: relay.GlobalID | None = strawberry.field(default=None, description="工作单位")
    residence_id: relay.GlobalID | None = strawberry.field(
        default=None, description="居住地（社区或小区）"
    )
    skills: list[str] | None = strawberry.field(default=None, description="技能特长")

    def draft(self) -> MemberDraft:
        return MemberDraft(
            name=self.name,
            gender=self.gender,
            mobile=self.mobile,
            id_card=self.id_card,
            joined_party_on=self.joined_party_on,
            unit_id=None if self.unit_id is None else int_id(self.unit_id, UNIT, "unitId"),
            node_id=_node_id(self.residence_id, "residenceId"),
            skills=self.skills,
        )


@strawberry.type(description="单位党组织已保存")
class UnitSuccess:
    unit: UnitType


@strawberry.type(description="党员信息已保存")
class MemberSuccess:
    member: MemberType


UnitResult = Annotated[UnitSuccess | MutationError, strawberry.union("UnitResult")]
MemberResult = Annotated[MemberSuccess | MutationError, strawberry.union("MemberResult")]


@strawberry.type
class RegistryQuery:
    @strawberry.field(description="一个单位党组织（须在您有权查看的范围内）")
    async def unit(self, info: Info[Context, None], id: relay.GlobalID) -> UnitType:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        return UnitType.from_model(await units.read_unit(session, principal, int_id(id, UNIT)))

    @strawberry.field(description="单位党组织名册：按所在节点排列，可筛选、搜索")
    async def units(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        kind: UnitKindType | None = None,  # type: ignore[valid-type]
        party_org_type: PartyOrgTypeType | None = None,  # type: ignore[valid-type]
        status: RegistryStatusType | None = RegistryStatus.ACTIVE,  # type: ignore[valid-type]
        query: str | None = None,
    ) -> relay.Connection[UnitType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        where = UnitFilter(
            status=None if status is None else RegistryStatus(status),
            kind=None if kind is None else UnitKind(kind),
            party_org_type=None if party_org_type is None else PartyOrgType(party_org_type),
            within=await subtree(info, within),
            query=(query or "").strip() or None,
        )
        result = await units.list_units(session, principal, page(first, after), where)
        return connection(result, UnitType.from_model, lambda u: (u.scope_path, u.id))

    @strawberry.field(description="一名在职党员（须在您有权查看的范围内）")
    async def member(self, info: Info[Context, None], id: relay.GlobalID) -> MemberType:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        member = await members.read_member(session, principal, int_id(id, MEMBER))
        return MemberType.from_model(member)

    @strawberry.field(
        description="在职党员名册：按居住地排列，可按单位、范围、性别、技能筛选，"
        "按姓名搜索，或按完整手机号、身份证号查找"
    )
    async def members(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        gender: GenderType | None = None,  # type: ignore[valid-type]
        skill: str | None = None,
        status: RegistryStatusType | None = RegistryStatus.ACTIVE,  # type: ignore[valid-type]
        query: str | None = None,
        number: str | None = None,
    ) -> relay.Connection[MemberType]:
        principal = await info.context.principal()
        session = await info.context.uow.session()
        where = MemberFilter(
            status=None if status is None else RegistryStatus(status),
            unit_id=None if unit_id is None else int_id(unit_id, UNIT, "unitId"),
            gender=None if gender is None else Gender(gender),
            within=await subtree(info, within),
            skill=(skill or "").strip() or None,
            query=(query or "").strip() or None,
        )
        result = await members.list_members(
            session, principal, info.context.personal, page(first, after), where, number=number
        )
        return connection(result, MemberType.from_model, lambda m: (m.scope_path, m.id))


async def subtree(info: Info[Context, None], within: relay.GlobalID | None) -> str | None:
    """The path of the node a list is narrowed to (a node of this county)."""
    if within is None:
        return None
    node = await get_node(await info.context.uow.session(), int_id(within, NODE, "within"))
    return node.path


@strawberry.type
class RegistryMutation:
    @strawberry.mutation(description="登记一个单位党组织")
    async def add_unit(self, info: Info[Context, None], input: UnitInput) -> UnitResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitSuccess:
            unit = await units.add_unit(session, principal, input.draft())
            return UnitSuccess(unit=UnitType.from_model(unit))

        return await run_step(info, step)

    @strawberry.mutation(description="更正单位党组织信息（只改给出的项）")
    async def correct_unit(
        self, info: Info[Context, None], id: relay.GlobalID, input: UnitInput
    ) -> UnitResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitSuccess:
            unit = await units.correct_unit(session, principal, int_id(id, UNIT), input.draft())
            return UnitSuccess(unit=UnitType.from_model(unit))

        return await run_step(info, step)

    @strawberry.mutation(description="单位党组织退出名册（保留记录和原因）")
    async def retire_unit(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> UnitResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitSuccess:
            unit = await units.retire_unit(session, principal, int_id(id, UNIT), reason=reason)
            return UnitSuccess(unit=UnitType.from_model(unit))

        return await run_step(info, step)

    @strawberry.mutation(description="登记一名在职党员")
    async def add_member(self, info: Info[Context, None], input: MemberInput) -> MemberResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberSuccess:
            member = await members.add_member(
                session, principal, info.context.personal, input.draft()
            )
            return MemberSuccess(member=MemberType.from_model(member))

        return await run_step(info, step)

    @strawberry.mutation(description="更正在职党员信息（只改给出的项）")
    async def correct_member(
        self, info: Info[Context, None], id: relay.GlobalID, input: MemberInput
    ) -> MemberResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberSuccess:
            member = await members.correct_member(
                session, principal, info.context.personal, int_id(id, MEMBER), input.draft()
            )
            return MemberSuccess(member=MemberType.from_model(member))

        return await run_step(info, step)

    @strawberry.mutation(description="在职党员退出名册（调出、退休等；保留记录和原因）")
    async def retire_member(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> MemberResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberSuccess:
            member = await members.retire_member(
                session, principal, int_id(id, MEMBER), reason=reason
            )
            return MemberSuccess(member=MemberType.from_model(member))

        return await run_step(info, step)

    @strawberry.mutation(
        description="绑定账号：单位党组织管理员账号对应的单位、党员本人账号对应的党员"
        "（给空值即解除）；绑定后可办理本单位、本人的报到"
    )
    async def link_account(
        self,
        info: Info[Context, None],
        user_id: relay.GlobalID,
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
    ) -> UserResult:
        async def step(session: AsyncSession, principal: Principal) -> UserSuccess:
            user = await accounts.link_account(
                session,
                principal,
                user_id=uuid_id(user_id, USER, "userId"),
                unit_id=None if unit_id is None else int_id(unit_id, UNIT, "unitId"),
                member_id=None if member_id is None else int_id(member_id, MEMBER, "memberId"),
            )
            return UserSuccess(user=UserType.from_model(user))

        return await run_step(info, step)
