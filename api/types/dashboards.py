"""GraphQL types of the dashboards."""

import enum
from decimal import Decimal

import strawberry

from api.types.hierarchy import HierarchyNodeType
from services.dashboards.figures import Figures
from services.dashboards.service import Child, Month, Ranked
from services.records.totals import Period
from services.scoring.periods import key


@strawberry.type(name="DashboardPeriod", description="统计时段")
class PeriodType:
    key: str = strawberry.field(description="时段：2026、2026-H1、2026-Q3、2026-11")
    label: str = strawberry.field(description="时段（中文）")
    first_day: str = strawberry.field(description="第一天")
    last_day: str = strawberry.field(description="最后一天")

    @classmethod
    def of(cls, period: Period) -> "PeriodType":
        return cls(
            key=key(period),
            label=period.label,
            first_day=period.first.isoformat(),
            last_day=period.last.isoformat(),
        )


@strawberry.type(name="DashboardFigures", description="一个节点（含下级）在一个时段的各项数字")
class FiguresType:
    units: int = strawberry.field(description="驻在范围内的单位党组织")
    units_registered: int = strawberry.field(description="其中已到社区报到的")
    units_compliant: int | None = strawberry.field(
        description="已报到单位中完成本期集体活动（全年另含认领项目）指标的；按月统计时为空"
    )
    members: int = strawberry.field(description="居住在范围内的在职党员")
    members_registered: int = strawberry.field(description="其中已到社区报到的")
    active_members: int = strawberry.field(description="本期至少有一条确认服务记录的党员")
    hours: Decimal = strawberry.field(description="本期确认的服务时长（小时，按党员居住地）")
    records: int = strawberry.field(description="本期确认的服务记录条数")
    members_compliant: int | None = strawberry.field(
        description="本期完成党员考核指标的党员；本县（区）无此类时段的指标时为空"
    )
    activities_held: int = strawberry.field(description="本期举办（已结束）的志愿活动")
    collective_activities: int = strawberry.field(description="其中单位的集体活动")
    projects_published: int = strawberry.field(description="本期发布的项目")
    projects_claimed: int = strawberry.field(description="本期的项目认领")
    needs_raised: int = strawberry.field(description="本期收集的需求")
    needs_resolved: int = strawberry.field(description="本期解决的需求")
    median_hours_to_resolve: Decimal | None = strawberry.field(
        description="本期解决的需求从收集到解决的时长中位数（小时）"
    )
    wishes_posted: int = strawberry.field(description="本期发布的微心愿")
    wishes_fulfilled: int = strawberry.field(description="本期实现的微心愿")
    whistle_calls: int = strawberry.field(description="本期吹哨次数")
    whistle_asked: int = strawberry.field(description="本期吹哨召集的单位和党员（人次）")
    whistle_answered: int = strawberry.field(description="其中已回应的（接受或婉拒）")
    response_rate: Decimal | None = strawberry.field(description="吹哨响应率（%）")
    median_minutes_to_respond: Decimal | None = strawberry.field(
        description="吹哨响应时长中位数（分钟）"
    )
    stars: list[int] = strawberry.field(description="现有一至五星志愿者人数（累计，不分时段）")
    members_ever_active: int = strawberry.field(description="累计有确认服务的党员")

    @classmethod
    def of(cls, f: Figures) -> "FiguresType":
        rate = (
            None
            if not f.whistle_asked
            else (Decimal(100) * f.whistle_answered / f.whistle_asked).quantize(Decimal("0.1"))
        )
        return cls(
            units=f.units,
            units_registered=f.units_registered,
            units_compliant=f.units_compliant,
            members=f.members,
            members_registered=f.members_registered,
            active_members=f.active_members,
            hours=f.hours,
            records=f.records,
            members_compliant=f.members_compliant,
            activities_held=f.activities_held,
            collective_activities=f.collective_activities,
            projects_published=f.projects_published,
            projects_claimed=f.projects_claimed,
            needs_raised=f.needs_raised,
            needs_resolved=f.needs_resolved,
            median_hours_to_resolve=f.median_hours_to_resolve,
            wishes_posted=f.wishes_posted,
            wishes_fulfilled=f.wishes_fulfilled,
            whistle_calls=f.whistle_calls,
            whistle_asked=f.whistle_asked,
            whistle_answered=f.whistle_answered,
            response_rate=rate,
            median_minutes_to_respond=f.median_minutes_to_respond,
            stars=list(f.stars),
            members_ever_active=f.members_ever_active,
        )


@strawberry.enum(name="DashboardSort", description="下级排序依据")
class Sort(enum.Enum):
    NAME = "name"
    HOURS = "hours"
    ACTIVE_MEMBERS = "active_members"
    RECORDS = "records"
    MEMBERS = "members"
    MEMBERS_REGISTERED = "members_registered"
    UNITS_REGISTERED = "units_registered"
    ACTIVITIES_HELD = "activities_held"
    NEEDS_RESOLVED = "needs_resolved"
    WISHES_FULFILLED = "wishes_fulfilled"


@strawberry.type(name="DashboardChild", description="一个下级节点的数字")
class ChildType:
    node: HierarchyNodeType
    figures: FiguresType

    @classmethod
    def of(cls, child: Child) -> "ChildType":
        return cls(
            node=HierarchyNodeType.from_model(child.node), figures=FiguresType.of(child.figures)
        )


def sorted_children(children: list[Child], by: Sort, descending: bool) -> list[Child]:
    if by is Sort.NAME:
        return sorted(children, key=lambda c: c.node.name, reverse=descending)
    # Ties keep the tree's order.
    return sorted(children, key=lambda c: getattr(c.figures, by.value), reverse=descending)


@strawberry.type(name="DashboardMonth", description="一个月的主要数字")
class MonthType:
    month: str = strawberry.field(description="月份，如 2026-11")
    active_members: int
    hours: Decimal
    records: int
    activities_held: int
    needs_raised: int
    needs_resolved: int
    wishes_fulfilled: int
    whistle_calls: int

    @classmethod
    def of(cls, m: Month) -> "MonthType":
        return cls(
            month=m.key,
            active_members=m.active_members,
            hours=m.hours,
            records=m.records,
            activities_held=m.activities_held,
            needs_raised=m.needs_raised,
            needs_resolved=m.needs_resolved,
            wishes_fulfilled=m.wishes_fulfilled,
            whistle_calls=m.whistle_calls,
        )


@strawberry.type(name="DashboardRank", description="排行榜上的一名")
class RankType:
    rank: int = strawberry.field(description="名次")
    name: str = strawberry.field(description="名称（党员姓名按查看者的权限脱敏）")
    hours: Decimal = strawberry.field(description="本期确认服务时长（小时）")
    times: int = strawberry.field(description="本期确认服务次数")

    @classmethod
    def of(cls, rows: list[Ranked]) -> list["RankType"]:
        return [
            cls(rank=i + 1, name=r.name, hours=r.hours, times=r.times) for i, r in enumerate(rows)
        ]
