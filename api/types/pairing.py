"""Responsibility areas, coverage, households and pairings as clients see them (visits and
member posts: api/types/visits.py). A household's people are masked unless the caller may
see them (each clear read audited); a member is shown by name (masked unless the caller
may read the member in the register), their register entry only to a caller who may
read it."""

from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_unit
from infra.clock import today
from infra.personal_data import mask_name
from services.pairing import residents, views
from services.pairing.models import (
    COMMITMENT_STATUS_NAMES,
    HOUSEHOLD_CATEGORY_NAMES,
    HOUSEHOLD_STATUS_NAMES,
    CommitmentStatus,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Pairing,
    ResponsibilityArea,
)
from services.pairing.recognition_models import MemberPost
from services.pairing.residents import HouseholdField
from services.projects.claim_steps import may_see_member
from tenants.hierarchy.models import Node

HouseholdCategoryType = strawberry.enum(
    HouseholdCategory,
    name="HouseholdCategory",
    description="困难住户类别：独居老人、残疾人、困难家庭、留守儿童、其他",
)
HouseholdStatusType = strawberry.enum(
    HouseholdStatus, name="HouseholdStatus", description="住户状态：在册、已销号"
)
CommitmentStatusType = strawberry.enum(
    CommitmentStatus,
    name="CommitmentStatus",
    description="包保、结对、任职的状态：生效中、已结束",
)


def in_force(row: ResponsibilityArea | Pairing | MemberPost) -> bool:
    on = today()
    return (
        row.status is CommitmentStatus.ACTIVE
        and row.starts_on <= on
        and (row.ends_on is None or row.ends_on >= on)
    )


async def member_of(info: Info[Context, None], member_id: int | None) -> MemberType | None:
    """The member's register entry, for a caller who may read it."""
    if member_id is None:
        return None
    member = await info.context.loaders.member.load(member_id)
    if member is None or not may_see_member(await info.context.principal(), member):
        return None
    return MemberType.from_model(member)


async def member_name(info: Info[Context, None], member_id: int | None) -> str | None:
    """The member's name, masked (张*) unless the caller may read the member."""
    if member_id is None:
        return None
    member = await info.context.loaders.member.load(member_id)
    if member is None:
        return None
    if may_see_member(await info.context.principal(), member):
        return member.name
    return mask_name(member.name)


@strawberry.type(name="HouseholdPerson", description="家庭成员：姓名（默认打码）与和户主的关系")
class HouseholdPersonType:
    name: str = strawberry.field(description="姓名")
    relation: str = strawberry.field(description="与户主关系")


@strawberry.type(
    name="Household",
    description="困难住户（独居老人、残疾人、困难家庭、留守儿童等）：社区登记，党员、单位结对帮扶",
)
class HouseholdType(relay.Node):
    id: relay.NodeID[int]
    category: HouseholdCategoryType = strawberry.field(description="类别")  # type: ignore[valid-type]
    category_name: str = strawberry.field(description="类别（中文）")
    people: int = strawberry.field(description="家庭人口")
    needs: str = strawberry.field(description="帮扶需求")
    status: HouseholdStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    registered_by: str = strawberry.field(description="登记人")
    registered_at: datetime = strawberry.field(description="登记时间")
    closed_at: datetime | None = strawberry.field(description="销号时间")
    close_reason: str | None = strawberry.field(description="销号原因")
    model: strawberry.Private[Household]

    @classmethod
    def from_model(cls, row: Household) -> "HouseholdType":
        return cls(
            id=row.id,
            category=row.category,
            category_name=HOUSEHOLD_CATEGORY_NAMES[row.category],
            people=row.people,
            needs=row.needs,
            status=row.status,
            status_name=HOUSEHOLD_STATUS_NAMES[row.status],
            registered_by=row.registered_by_name,
            registered_at=row.registered_at,
            closed_at=row.closed_at,
            close_reason=row.close_reason,
            model=row,
        )

    async def _pairings(self, info: Info[Context, None]) -> list[Pairing]:
        return await info.context.loaders.pairing.pairings_of_household.load(self.model.id)

    async def _field(
        self, info: Info[Context, None], field: HouseholdField, clear: bool
    ) -> str | None:
        personal = info.context.personal
        if not clear:
            return residents.masked(self.model, personal, field)
        principal, session = await info.context.principal(), await info.context.uow.session()
        paired = await self._pairings(info)
        return residents.reveal(session, principal, personal, self.model, paired, field)

    @strawberry.field(
        description="户主（联系人）姓名：默认打码（王*）；clear 为 true 时显示全名（社区工作人员"
        "与结对中的党员、单位可查看，每次查看记入审计日志）"
    )
    async def contact_name(self, info: Info[Context, None], clear: bool = False) -> str | None:
        return await self._field(info, HouseholdField.CONTACT_NAME, clear)

    @strawberry.field(description="联系电话：默认打码；clear 为 true 时显示全号（同上）")
    async def phone(self, info: Info[Context, None], clear: bool = False) -> str | None:
        return await self._field(info, HouseholdField.PHONE, clear)

    @strawberry.field(description="住址：默认打码；clear 为 true 时显示全部（同上）")
    async def address(self, info: Info[Context, None], clear: bool = False) -> str | None:
        return await self._field(info, HouseholdField.ADDRESS, clear)

    @strawberry.field(description="家庭成员：姓名默认打码；clear 为 true 时显示全名（同上）")
    async def members(
        self, info: Info[Context, None], clear: bool = False
    ) -> list[HouseholdPersonType]:
        if clear:
            principal, session = await info.context.principal(), await info.context.uow.session()
            paired = await self._pairings(info)
            residents.require_clear(session, principal, self.model, paired, HouseholdField.MEMBERS)
        people = residents.members(self.model, info.context.personal, clear=clear)
        return [HouseholdPersonType(name=p.name, relation=p.relation) for p in people]

    @strawberry.field(description="调用者能否查看该户的姓名、电话、住址全文")
    async def may_see_clear(self, info: Info[Context, None]) -> bool:
        principal = await info.context.principal()
        return residents.may_see_clear(principal, self.model, await self._pairings(info))

    @strawberry.field(description="住户所在地（社区、小区、楼栋或网格）")
    async def place(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所属社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="生效中的结对（含尚未开始的）")
    async def pairings(self, info: Info[Context, None]) -> list["PairingType"]:
        return [PairingType.from_model(row) for row in await self._pairings(info)]


@strawberry.type(name="Pairing", description="结对帮扶：住户与党员或单位党组织结对")
class PairingType(relay.Node):
    id: relay.NodeID[int]
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date | None = strawberry.field(description="结束日期（长期结对为空）")
    reason: str = strawberry.field(description="结对原因")
    visit_every_days: int | None = strawberry.field(description="走访周期：至少每多少天走访一次")
    services_per_year: int | None = strawberry.field(description="每年至少服务的次数")
    status: CommitmentStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    in_force: bool = strawberry.field(description="今天是否在结对期限内且未结束")
    last_visited_on: date | None = strawberry.field(description="最近一次走访日期")
    next_visit_due_on: date | None = strawberry.field(
        description="下次走访最迟日期（未要求走访周期时为空）"
    )
    days_overdue: int | None = strawberry.field(description="走访已逾期的天数（未逾期为空）")
    created_by: str = strawberry.field(description="登记人")
    created_at: datetime = strawberry.field(description="登记时间")
    ended_at: datetime | None = strawberry.field(description="结束时间")
    end_reason: str | None = strawberry.field(description="结束原因")
    model: strawberry.Private[Pairing]

    @classmethod
    def from_model(cls, row: Pairing) -> "PairingType":
        due = row.next_visit_due_on
        live = in_force(row)
        return cls(
            id=row.id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            reason=row.reason,
            visit_every_days=row.visit_every_days,
            services_per_year=row.services_per_year,
            status=row.status,
            status_name=COMMITMENT_STATUS_NAMES[row.status],
            in_force=live,
            last_visited_on=row.last_visited_on,
            next_visit_due_on=due,
            days_overdue=(today() - due).days
            if live and due is not None and due < today()
            else None,
            created_by=row.created_by_name,
            created_at=row.created_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="结对的住户")
    async def household(self, info: Info[Context, None]) -> HouseholdType | None:
        found = await info.context.loaders.pairing.household.load(self.model.household_id)
        return None if found is None else HouseholdType.from_model(found)

    @strawberry.field(description="结对的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await member_of(info, self.model.member_id)

    @strawberry.field(description="结对党员的姓名（无权查看该党员时打码）；单位结对为空")
    async def member_name(self, info: Info[Context, None]) -> str | None:
        return await member_name(info, self.model.member_id)

    @strawberry.field(description="结对的单位党组织；党员结对为空")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="所属的包保责任（包保到户时）")
    async def area(self, info: Info[Context, None]) -> "ResponsibilityAreaType | None":
        if self.model.area_id is None:
            return None
        found = await info.context.loaders.pairing.area.load(self.model.area_id)
        return None if found is None else ResponsibilityAreaType.from_model(found)


@strawberry.type(
    name="ResponsibilityArea",
    description="包保责任：单位包小区、楼栋，或党员包保一组住户，有期限和要求",
)
class ResponsibilityAreaType(relay.Node):
    id: relay.NodeID[int]
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date | None = strawberry.field(description="结束日期（长期为空）")
    visit_every_days: int | None = strawberry.field(description="要求：至少每多少天走访一次")
    services_per_year: int | None = strawberry.field(description="要求：每户每年至少服务次数")
    duties: str | None = strawberry.field(description="包保职责")
    status: CommitmentStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    in_force: bool = strawberry.field(description="今天是否在期限内且未结束")
    assigned_by: str = strawberry.field(description="分配人")
    assigned_at: datetime = strawberry.field(description="分配时间")
    ended_at: datetime | None = strawberry.field(description="结束时间")
    end_reason: str | None = strawberry.field(description="结束原因")
    model: strawberry.Private[ResponsibilityArea]

    @classmethod
    def from_model(cls, row: ResponsibilityArea) -> "ResponsibilityAreaType":
        return cls(
            id=row.id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            visit_every_days=row.visit_every_days,
            services_per_year=row.services_per_year,
            duties=row.duties,
            status=row.status,
            status_name=COMMITMENT_STATUS_NAMES[row.status],
            in_force=in_force(row),
            assigned_by=row.assigned_by_name,
            assigned_at=row.assigned_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="包保区域：单位为小区或楼栋；党员为所包住户所在的区域")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="所属社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="包保的单位党组织；党员包保为空")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="包保的党员（仅本人及有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await member_of(info, self.model.member_id)

    @strawberry.field(description="包保党员的姓名（无权查看该党员时打码）；单位包保为空")
    async def member_name(self, info: Info[Context, None]) -> str | None:
        return await member_name(info, self.model.member_id)

    @strawberry.field(description="党员包保到户的结对（含已结束的）")
    async def pairings(self, info: Info[Context, None]) -> list[PairingType]:
        rows = await info.context.loaders.pairing.pairings_of_area.load(self.model.id)
        return [PairingType.from_model(row) for row in rows]


@strawberry.type(name="CoveredPlace", description="一个小区或楼栋，及今天包保它的单位")
class CoveredPlaceType(relay.Node):
    id: relay.NodeID[int]
    model: strawberry.Private[Node]

    @classmethod
    def from_model(cls, row: Node) -> "CoveredPlaceType":
        return cls(id=row.id, model=row)

    @strawberry.field(description="小区或楼栋")
    def place(self) -> HierarchyNodeType:
        return HierarchyNodeType.from_model(self.model)

    async def _areas(self, info: Info[Context, None]) -> list[ResponsibilityArea]:
        return await info.context.loaders.pairing.unit_areas_at.load(self.model.id)

    @strawberry.field(description="是否有单位包保")
    async def covered(self, info: Info[Context, None]) -> bool:
        return bool(await self._areas(info))

    @strawberry.field(description="今天在期限内的单位包保")
    async def areas(self, info: Info[Context, None]) -> list[ResponsibilityAreaType]:
        return [ResponsibilityAreaType.from_model(row) for row in await self._areas(info)]


@strawberry.type(
    name="ResponsibilityCoverage",
    description="包保覆盖：一个区域内的小区、楼栋今天是否有单位包保",
)
class CoverageType:
    on: date = strawberry.field(description="统计日期")
    compounds: int = strawberry.field(description="小区数")
    covered_compounds: int = strawberry.field(description="有单位包保的小区数")
    buildings: int = strawberry.field(description="楼栋数")
    covered_buildings: int = strawberry.field(description="有单位包保的楼栋数")
    coverage: strawberry.Private[views.Coverage]

    @classmethod
    def of(cls, found: views.Coverage) -> "CoverageType":
        return cls(
            on=found.on,
            compounds=found.compounds,
            covered_compounds=found.covered_compounds,
            buildings=found.buildings,
            covered_buildings=found.covered_buildings,
            coverage=found,
        )

    @strawberry.field(description="统计的区域")
    def node(self) -> HierarchyNodeType:
        return HierarchyNodeType.from_model(self.coverage.node)

    @strawberry.field(
        description="区域内的小区、楼栋，按层级排列；covered 为真只列有包保的，为假只列无包保的"
    )
    async def places(
        self,
        info: Info[Context, None],
        covered: bool | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[CoveredPlaceType]:
        session = await info.context.uow.session()
        result = await views.coverage_places(session, self.coverage, page(first, after), covered)
        return connection(result, CoveredPlaceType.from_model, lambda n: (n.path, n.id))
