"""服务记录 as clients see them: the record as it stands, its history of versions, what the
caller may do with it; and the totals of a member's or a unit's service. Hours are
Decimals (fixed-point, hundredths), as the records keep them."""

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.activities import ActivityType
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_member, load_unit
from api.types.rules import QuotaPeriodType
from infra.personal_data import mask_name
from services.records import views
from services.records.models import (
    RECORD_CHANGE_NAMES,
    RECORD_SOURCE_NAMES,
    RECORD_STATUS_NAMES,
    RecordChange,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    ServiceRecordVersion,
)
from services.records.totals import (
    MemberQuarters,
    MemberTotals,
    Period,
    PeriodKind,
    QuotaStanding,
    Tally,
    UnitQuarter,
    UnitTotals,
    cents,
)
from tenants.rules.model import PERIOD_NAMES

ServiceRecordSourceType = strawberry.enum(
    RecordSource,
    name="ServiceRecordSource",
    description="服务记录的来源：志愿活动、项目认领、微心愿、吹哨报到、组织方登记",
)
ServiceRecordStatusType = strawberry.enum(
    RecordStatus, name="ServiceRecordStatus", description="服务记录状态：待确认、已确认、未予确认"
)
ServiceRecordChangeType = strawberry.enum(
    RecordChange,
    name="ServiceRecordChange",
    description="服务记录的一次变动：记录、确认、不予确认、更正",
)
WHISTLE_RESPONSE = "WhistleRecipient"


def _global(type_name: str, local: int | None) -> relay.GlobalID | None:
    return None if local is None else relay.GlobalID(type_name, str(local))


@strawberry.type(
    name="ServiceRecordVersion", description="服务记录的一个版本：变动后的内容，谁、何时、为何"
)
class ServiceRecordVersionType:
    version: int = strawberry.field(description="版本号，从 1 起")
    change: ServiceRecordChangeType = strawberry.field(description="变动")  # type: ignore[valid-type]
    change_name: str = strawberry.field(description="变动（中文）")
    status: ServiceRecordStatusType = strawberry.field(description="变动后的状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="变动后的状态（中文）")
    started_at: datetime = strawberry.field(description="开始时间")
    ended_at: datetime = strawberry.field(description="结束时间")
    minutes: int = strawberry.field(description="服务分钟数")
    hours: Decimal = strawberry.field(description="计入的服务时长（小时）")
    reason: str | None = strawberry.field(
        description="原因或说明：更正原因、不予确认的理由、确认说明"
    )
    changed_by_name: str = strawberry.field(description="经办人")
    changed_at: datetime = strawberry.field(description="变动时间")

    @classmethod
    def from_model(cls, row: ServiceRecordVersion) -> "ServiceRecordVersionType":
        return cls(
            version=row.version,
            change=row.change,
            change_name=RECORD_CHANGE_NAMES[row.change],
            status=row.status,
            status_name=RECORD_STATUS_NAMES[row.status],
            started_at=row.started_at,
            ended_at=row.ended_at,
            minutes=row.minutes,
            hours=cents(row.hours),
            reason=row.reason,
            changed_by_name=row.changed_by_name,
            changed_at=row.changed_at,
        )


@strawberry.type(
    name="ServiceRecord",
    description="服务记录：党员的一次服务及计入的时长，由组织方记录、确认（谁组织谁记录，谁记录谁证明）",
)
class ServiceRecordType(relay.Node):
    id: relay.NodeID[int]
    source: ServiceRecordSourceType = strawberry.field(description="来源")  # type: ignore[valid-type]
    source_name: str = strawberry.field(description="来源（中文）")
    status: ServiceRecordStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    title: str = strawberry.field(description="服务内容")
    post_category: str | None = strawberry.field(description="岗位类别")
    started_at: datetime = strawberry.field(description="开始时间")
    ended_at: datetime = strawberry.field(description="结束时间")
    service_on: date = strawberry.field(description="服务日期（北京时间）")
    minutes: int = strawberry.field(description="服务分钟数")
    hours: Decimal = strawberry.field(description="按本县规则计入的服务时长（小时）")
    version: int = strawberry.field(description="当前版本号")
    notice_until: date | None = strawberry.field(description="公示截止日（含当天）；次日起可确认")
    note: str | None = strawberry.field(description="记录时的备注")
    created_at: datetime = strawberry.field(description="记录时间")
    decided_at: datetime | None = strawberry.field(description="确认或不予确认的时间")
    decline_reason: str | None = strawberry.field(description="不予确认的理由")
    updated_at: datetime = strawberry.field(description="最近变动时间")
    project_claim_id: relay.GlobalID | None = strawberry.field(description="来源的项目认领")
    wish_id: relay.GlobalID | None = strawberry.field(description="来源的微心愿")
    whistle_response_id: relay.GlobalID | None = strawberry.field(
        description="来源的吹哨响应（被召集党员的回应）"
    )
    model: strawberry.Private[ServiceRecord]

    @classmethod
    def from_model(cls, row: ServiceRecord) -> "ServiceRecordType":
        return cls(
            id=row.id,
            source=row.source,
            source_name=RECORD_SOURCE_NAMES[row.source],
            status=row.status,
            status_name=RECORD_STATUS_NAMES[row.status],
            title=row.title,
            post_category=row.post_category,
            started_at=row.started_at,
            ended_at=row.ended_at,
            service_on=row.service_on,
            minutes=row.minutes,
            hours=cents(row.hours),
            version=row.version,
            notice_until=row.notice_until,
            note=row.note,
            created_at=row.created_at,
            decided_at=row.decided_at,
            decline_reason=row.decline_reason,
            updated_at=row.updated_at,
            project_claim_id=_global("ProjectClaim", row.project_claim_id),
            wish_id=_global("Wish", row.wish_id),
            whistle_response_id=_global(WHISTLE_RESPONSE, row.whistle_recipient_id),
            model=row,
        )

    @strawberry.field(description="服务的党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.model.member_id)

    @strawberry.field(description="组织方所在节点：其工作人员记录、确认（单位组织的除外）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="组织服务的单位党组织（由其确认）；社区、街道等组织的为空")
    async def organiser_unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.organiser_unit_id)

    @strawberry.field(description="来源的志愿活动")
    async def activity(self, info: Info[Context, None]) -> ActivityType | None:
        if self.model.activity_id is None:
            return None
        found = await info.context.loaders.activities.activity.load(self.model.activity_id)
        return None if found is None else ActivityType.from_model(found)

    @strawberry.field(description="历次版本，从记录起依次：谁、何时、为何变动")
    async def versions(self, info: Info[Context, None]) -> list[ServiceRecordVersionType]:
        rows = await info.context.loaders.records.versions.load(self.model.id)
        return [ServiceRecordVersionType.from_model(row) for row in rows]

    @strawberry.field(description="是否在公示期内（待确认，公示期内可提出异议，期满后方可确认）")
    def on_notice(self) -> bool:
        return views.on_notice(self.model)

    @strawberry.field(description="调用者能否确认或不予确认（仅组织方，且记录待确认）")
    async def may_decide(self, info: Info[Context, None]) -> bool:
        return views.may_decide(await info.context.principal(), self.model)


@strawberry.type(
    name="NoticedServiceRecord",
    description="公示中的服务记录：公示期内在社区公开，供核实、提出异议（姓名打码）",
)
class NoticedServiceRecordType(relay.Node):
    id: relay.NodeID[int]
    source_name: str = strawberry.field(description="来源（中文）")
    title: str = strawberry.field(description="服务内容")
    service_on: date = strawberry.field(description="服务日期（北京时间）")
    started_at: datetime = strawberry.field(description="开始时间")
    ended_at: datetime = strawberry.field(description="结束时间")
    hours: Decimal = strawberry.field(description="拟计入的服务时长（小时）")
    notice_until: date = strawberry.field(description="公示截止日（含当天）")
    model: strawberry.Private[ServiceRecord]

    @classmethod
    def from_model(cls, row: ServiceRecord) -> "NoticedServiceRecordType":
        assert row.notice_until is not None
        return cls(
            id=row.id,
            source_name=RECORD_SOURCE_NAMES[row.source],
            title=row.title,
            service_on=row.service_on,
            started_at=row.started_at,
            ended_at=row.ended_at,
            hours=cents(row.hours),
            notice_until=row.notice_until,
            model=row,
        )

    @strawberry.field(description="服务的党员（打码，如 张*）")
    async def member_name(self, info: Info[Context, None]) -> str:
        member = await info.context.loaders.member.load(self.model.member_id)
        return "" if member is None else mask_name(member.name)

    @strawberry.field(description="组织方所在节点")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="组织服务的单位党组织；社区、街道等组织的为空")
    async def organiser_unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.organiser_unit_id)


# --- totals ---------------------------------------------------------------------------


@strawberry.type(name="ServicePeriod", description="一个统计时段：全年、半年、季度或月")
class ServicePeriodType:
    label: str = strawberry.field(description="名称，如 2026年第一季度")
    first_day: date = strawberry.field(description="首日")
    last_day: date = strawberry.field(description="末日")
    ended: bool = strawberry.field(description="是否已过去")

    @classmethod
    def of(cls, period: Period) -> "ServicePeriodType":
        return cls(
            label=period.label, first_day=period.first, last_day=period.last, ended=period.ended
        )


@strawberry.type(name="ServiceTally", description="一个时段的服务时长与次数")
class ServiceTallyType:
    period: ServicePeriodType = strawberry.field(description="时段")
    confirmed_hours: Decimal = strawberry.field(description="已确认的时长（小时）")
    confirmed_times: int = strawberry.field(description="已确认的服务次数")
    pending_hours: Decimal = strawberry.field(description="待确认的时长（小时）")
    pending_count: int = strawberry.field(description="待确认的记录数")

    @classmethod
    def of(cls, tally: Tally) -> "ServiceTallyType":
        return cls(
            period=ServicePeriodType.of(tally.period),
            confirmed_hours=tally.confirmed_hours,
            confirmed_times=tally.confirmed_times,
            pending_hours=tally.pending_hours,
            pending_count=tally.pending_count,
        )


@strawberry.type(
    name="MemberQuotaCheck", description="一个考核周期内指标的完成情况（按已确认的计）"
)
class MemberQuotaCheckType:
    period: ServicePeriodType = strawberry.field(description="考核周期")
    hours: Decimal = strawberry.field(description="已确认的时长（小时）")
    times: int = strawberry.field(description="已确认的服务次数")
    met: bool = strawberry.field(description="是否达到指标")


@strawberry.type(
    name="MemberQuotaStanding", description="本县的一项党员考核指标及当年各周期的完成情况"
)
class MemberQuotaStandingType:
    period: QuotaPeriodType = strawberry.field(description="考核周期")  # type: ignore[valid-type]
    period_name: str = strawberry.field(description="考核周期（中文）")
    min_hours: Decimal = strawberry.field(description="最少服务时长（小时）")
    min_times: int = strawberry.field(description="最少服务次数")
    checks: list[MemberQuotaCheckType] = strawberry.field(description="当年每个周期的完成情况")

    @classmethod
    def of(cls, standing: QuotaStanding) -> "MemberQuotaStandingType":
        quota = standing.quota
        return cls(
            period=quota.period,
            period_name=PERIOD_NAMES[quota.period],
            min_hours=cents(quota.min_hours),
            min_times=quota.min_times,
            checks=[
                MemberQuotaCheckType(
                    period=ServicePeriodType.of(check.period),
                    hours=check.hours,
                    times=check.times,
                    met=check.met,
                )
                for check in standing.checks
            ],
        )


@strawberry.type(name="ServiceTotals", description="党员一年的服务时长统计、星级与考核指标完成情况")
class ServiceTotalsType:
    year: int = strawberry.field(description="年份")
    whole_year: ServiceTallyType = strawberry.field(description="全年")
    half_years: list[ServiceTallyType] = strawberry.field(description="上、下半年")
    quarters: list[ServiceTallyType] = strawberry.field(description="四个季度")
    months: list[ServiceTallyType] = strawberry.field(description="十二个月")
    all_time_hours: Decimal = strawberry.field(description="累计已确认的服务时长（小时，历年合计）")
    star_level: int = strawberry.field(
        description="按本县现行星级标准达到的星级：0（未达一星）到 5"
    )
    next_star_hours: int | None = strawberry.field(
        description="下一星级所需的累计时长（小时）；已达五星为空"
    )
    quotas: list[MemberQuotaStandingType] = strawberry.field(
        description="本县当年的党员考核指标及完成情况"
    )
    member_id: strawberry.Private[int]

    @classmethod
    def of(cls, totals: MemberTotals) -> "ServiceTotalsType":
        def tallies(kind: PeriodKind) -> list[ServiceTallyType]:
            return [ServiceTallyType.of(t) for t in totals.tallies[kind]]

        return cls(
            year=totals.year,
            whole_year=tallies(PeriodKind.YEAR)[0],
            half_years=tallies(PeriodKind.HALF_YEAR),
            quarters=tallies(PeriodKind.QUARTER),
            months=tallies(PeriodKind.MONTH),
            all_time_hours=totals.all_time_hours,
            star_level=totals.star_level,
            next_star_hours=totals.next_star_hours,
            quotas=[MemberQuotaStandingType.of(q) for q in totals.quotas],
            member_id=totals.member.id,
        )

    @strawberry.field(description="党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)


@strawberry.type(name="ServiceHours", description="已确认的服务时长与次数")
class ServiceHoursType:
    hours: Decimal = strawberry.field(description="时长（小时）")
    times: int = strawberry.field(description="次数")


@strawberry.type(name="UnitMemberServiceTotals", description="单位一名在册党员当年的服务（已确认）")
class UnitMemberTotalsType:
    hours: Decimal = strawberry.field(description="全年时长（小时）")
    times: int = strawberry.field(description="全年次数")
    quarters: list[ServiceHoursType] = strawberry.field(description="四个季度")
    member_id: strawberry.Private[int]

    @classmethod
    def of(cls, row: MemberQuarters) -> "UnitMemberTotalsType":
        return cls(
            hours=row.hours,
            times=row.times,
            quarters=[ServiceHoursType(hours=h, times=t) for h, t in row.quarters],
            member_id=row.member_id,
        )

    @strawberry.field(description="党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)


@strawberry.type(name="UnitQuarterTotals", description="单位一个季度的党员服务与集体服务活动")
class UnitQuarterTotalsType:
    period: ServicePeriodType = strawberry.field(description="季度")
    confirmed_hours: Decimal = strawberry.field(description="在册党员已确认的时长合计（小时）")
    confirmed_times: int = strawberry.field(description="在册党员已确认的服务次数合计")
    collective_activities: int = strawberry.field(
        description="本单位组织并已结束的集体服务活动次数"
    )
    met: bool = strawberry.field(description="集体服务活动是否达到本县每季度的指标")

    @classmethod
    def of(cls, quarter: UnitQuarter) -> "UnitQuarterTotalsType":
        return cls(
            period=ServicePeriodType.of(quarter.period),
            confirmed_hours=quarter.confirmed_hours,
            confirmed_times=quarter.confirmed_times,
            collective_activities=quarter.collective_activities,
            met=quarter.met,
        )


@strawberry.type(
    name="UnitServiceTotals", description="单位党组织一年的服务统计：党员服务时长与集体服务活动"
)
class UnitServiceTotalsType:
    year: int = strawberry.field(description="年份")
    activities_per_quarter: int = strawberry.field(
        description="本县规定每季度至少开展的集体服务活动次数"
    )
    quarters: list[UnitQuarterTotalsType] = strawberry.field(description="四个季度")
    members: list[UnitMemberTotalsType] = strawberry.field(description="在册党员，按姓名")
    unit_id: strawberry.Private[int]

    @classmethod
    def of(cls, totals: UnitTotals) -> "UnitServiceTotalsType":
        return cls(
            year=totals.year,
            activities_per_quarter=totals.activities_per_quarter,
            quarters=[UnitQuarterTotalsType.of(q) for q in totals.quarters],
            members=[UnitMemberTotalsType.of(m) for m in totals.members],
            unit_id=totals.unit.id,
        )

    @strawberry.field(description="单位党组织")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.unit_id)
