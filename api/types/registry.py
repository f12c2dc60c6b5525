"""单位党组织 and 在职党员 as clients see them; personal numbers masked unless revealed."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from services.registry.members import PersonalField, masked, may_see_clear, reveal
from services.registry.models import (
    Gender,
    Member,
    PartyOrgType,
    RegistryStatus,
    Unit,
    UnitKind,
)

if TYPE_CHECKING:
    from api.types.registration import MemberRegistrationType

UnitKindType = strawberry.enum(
    UnitKind,
    name="UnitKind",
    description="单位类型：机关、事业单位、国有企业、非公企业、社会组织、其他",
)
PartyOrgTypeType = strawberry.enum(
    PartyOrgType, name="PartyOrgType", description="党组织类型：党委、党总支、党支部"
)
GenderType = strawberry.enum(Gender, name="Gender", description="性别")
RegistryStatusType = strawberry.enum(
    RegistryStatus, name="RegistryStatus", description="在册状态：在册、已退出"
)


@strawberry.type(name="Unit", description="单位党组织")
class UnitType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="单位名称")
    kind: UnitKindType = strawberry.field(description="单位类型")  # type: ignore[valid-type]
    credit_code: str = strawberry.field(description="统一社会信用代码")
    party_org_type: PartyOrgTypeType = strawberry.field(  # type: ignore[valid-type]
        description="党组织类型"
    )
    contact_name: str | None = strawberry.field(description="联系人")
    contact_phone: str | None = strawberry.field(description="联系电话（工作电话）")
    status: RegistryStatusType = strawberry.field(description="在册状态")  # type: ignore[valid-type]
    retired_reason: str | None = strawberry.field(description="退出原因")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    node_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, unit: Unit) -> "UnitType":
        return cls(
            id=unit.id,
            name=unit.name,
            kind=unit.kind,
            credit_code=unit.credit_code,
            party_org_type=unit.party_org_type,
            contact_name=unit.contact_name,
            contact_phone=unit.contact_phone,
            status=unit.status,
            retired_reason=unit.retired_reason,
            updated_at=unit.updated_at,
            node_id=unit.node_id,
        )

    @strawberry.field(description="单位所在社区")
    async def location(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)


@strawberry.type(name="Member", description="在职党员")
class MemberType(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="姓名")
    gender: GenderType = strawberry.field(description="性别")  # type: ignore[valid-type]
    joined_party_on: date | None = strawberry.field(description="入党日期")
    skills: list[str] = strawberry.field(description="技能特长")
    status: RegistryStatusType = strawberry.field(description="在册状态")  # type: ignore[valid-type]
    retired_reason: str | None = strawberry.field(description="退出原因")
    updated_at: datetime = strawberry.field(description="最近修改时间")
    model: strawberry.Private[Member]

    @classmethod
    def from_model(cls, member: Member) -> "MemberType":
        return cls(
            id=member.id,
            name=member.name,
            gender=member.gender,
            joined_party_on=member.joined_party_on,
            skills=list(member.skills),
            status=member.status,
            retired_reason=member.retired_reason,
            updated_at=member.updated_at,
            model=member,
        )

    async def _number(
        self, info: Info[Context, None], field: PersonalField, clear: bool
    ) -> str | None:
        if not clear:
            return masked(self.model, info.context.personal, field)
        principal = await info.context.principal()
        session = await info.context.uow.session()
        return reveal(session, principal, info.context.personal, self.model, field)

    @strawberry.field(
        description="手机号：默认打码（138****5678）；clear 为 true 时显示全号"
        "（须有查看个人信息的权限，每次查看记入审计日志）"
    )
    async def mobile(self, info: Info[Context, None], clear: bool = False) -> str | None:
        return await self._number(info, PersonalField.MOBILE, clear)

    @strawberry.field(description="身份证号：默认打码；clear 为 true 时显示全号（同上）")
    async def id_card(self, info: Info[Context, None], clear: bool = False) -> str | None:
        return await self._number(info, PersonalField.ID_CARD, clear)

    @strawberry.field(description="调用者能否查看此党员的完整手机号、身份证号")
    async def may_see_clear(self, info: Info[Context, None]) -> bool:
        return may_see_clear(await info.context.principal(), self.model)

    @strawberry.field(description="工作单位")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="居住地（社区或小区）")
    async def residence(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="到居住地社区的报到：正在生效或待社区确认的一条（未报到为空）")
    async def registration(
        self, info: Info[Context, None]
    ) -> Annotated["MemberRegistrationType", strawberry.lazy("api.types.registration")] | None:
        from api.types.registration import MemberRegistrationType

        found = await info.context.loaders.open_registration_of_member.load(self.model.id)
        return None if found is None else MemberRegistrationType.from_model(found)


async def load_unit(info: Info[Context, None], unit_id: int | None) -> UnitType | None:
    unit = None if unit_id is None else await info.context.loaders.unit.load(unit_id)
    return None if unit is None else UnitType.from_model(unit)


async def load_member(info: Info[Context, None], member_id: int | None) -> MemberType | None:
    member = None if member_id is None else await info.context.loaders.member.load(member_id)
    return None if member is None else MemberType.from_model(member)
