"""Scores as clients see them: a member's or a unit's totals per period (hours, times,
points; a member's star level), and standings against the county's current quotas, as in
the at-risk lists. Hours and points are Decimals in hundredths."""

import enum
from decimal import ROUND_HALF_UP, Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.records import ServicePeriodType
from api.types.registry import MemberType, UnitType, load_member, load_unit
from api.types.rules import QuotaPeriodType
from services.scoring.quotas import AtRisk, Measure, Standing
from services.scoring.views import MemberScoreView, Totals, UnitScoreView

CENT = Decimal("0.01")


class ScorePeriodKind(enum.StrEnum):
    ALL_TIME = "all_time"
    YEAR = "year"
    HALF_YEAR = "half_year"
    QUARTER = "quarter"
    MONTH = "month"


class QuotaMeasureKind(enum.StrEnum):
    HOURS = "hours"
    TIMES = "times"
    COLLECTIVE_ACTIVITIES = "collective_activities"
    PROJECTS = "projects"


ScorePeriodKindType = strawberry.enum(
    ScorePeriodKind, name="ScorePeriodKind", description="统计时段：累计、年、半年、季度、月"
)
QuotaMeasureKindType = strawberry.enum(
    QuotaMeasureKind,
    name="QuotaMeasureKind",
    description="考核指标的计量：服务时长、服务次数、集体服务活动次数、认领项目数",
)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@strawberry.type(name="ScoreTotals", description="一个时段已确认的服务：时长、次数、积分")
class ScoreTotalsType:
    key: str = strawberry.field(description="时段代号：all、2026、2026-H1、2026-Q3、2026-07")
    kind: ScorePeriodKindType = strawberry.field(description="时段类别")  # type: ignore[valid-type]
    period: ServicePeriodType | None = strawberry.field(description="时段；累计为空")
    hours: Decimal = strawberry.field(description="已确认的服务时长（小时）")
    times: int = strawberry.field(description="已确认的服务次数")
    points: Decimal = strawberry.field(description="积分（保留两位小数）")

    @classmethod
    def of(cls, totals: Totals) -> "ScoreTotalsType":
        period = totals.period
        return cls(
            key=totals.key,
            kind=ScorePeriodKind.ALL_TIME if period is None else ScorePeriodKind(period.kind),
            period=None if period is None else ServicePeriodType.of(period),
            hours=_cents(totals.hours),
            times=totals.times,
            points=_cents(totals.points),
        )


@strawberry.type(name="UnitScoreTotals", description="单位一个时段的服务：党员服务与集体服务活动")
class UnitScoreTotalsType(ScoreTotalsType):
    collective_activities: int = strawberry.field(
        description="本单位组织并已结束的集体服务活动次数（按活动开始日期）"
    )

    @classmethod
    def of_unit(cls, totals: Totals) -> "UnitScoreTotalsType":
        base = ScoreTotalsType.of(totals)
        return cls(
            key=base.key,
            kind=base.kind,
            period=base.period,
            hours=base.hours,
            times=base.times,
            points=base.points,
            collective_activities=totals.collective_activities,
        )


@strawberry.type(name="QuotaMeasure", description="考核指标的一项：要求、已完成、按进度应完成")
class QuotaMeasureType:
    measure: QuotaMeasureKindType = strawberry.field(description="计量")  # type: ignore[valid-type]
    label: str = strawberry.field(description="计量（中文）")
    minimum: Decimal = strawberry.field(description="本周期的最低要求")
    done: Decimal = strawberry.field(description="本周期已完成（已确认的）")
    pace: Decimal = strawberry.field(description="按已过时间的比例，到今天应完成的量")
    short_of_pace: Decimal = strawberry.field(description="比进度少多少（跟上进度还差）")
    left: Decimal = strawberry.field(description="距达标还差多少")
    behind: bool = strawberry.field(description="是否落后于进度")
    met: bool = strawberry.field(description="是否已达标")

    @classmethod
    def of(cls, measure: Measure) -> "QuotaMeasureType":
        return cls(
            measure=QuotaMeasureKind(measure.name),
            label=measure.label,
            minimum=_cents(measure.minimum),
            done=_cents(measure.done),
            pace=measure.pace,
            short_of_pace=measure.short_of_pace,
            left=_cents(measure.left),
            behind=measure.behind,
            met=measure.met,
        )


@strawberry.type(name="QuotaStanding", description="本县一项考核指标在当前周期的完成情况")
class QuotaStandingType:
    quota_period: QuotaPeriodType = strawberry.field(description="考核周期")  # type: ignore[valid-type]
    period_name: str = strawberry.field(description="考核周期（中文）")
    period: ServicePeriodType = strawberry.field(description="当前周期")
    days_passed: int = strawberry.field(description="本周期已过天数（含今天）")
    days_in_period: int = strawberry.field(description="本周期总天数")
    days_left: int = strawberry.field(description="今天之后本周期还剩的天数")
    measures: list[QuotaMeasureType] = strawberry.field(description="各项要求")
    met: bool = strawberry.field(description="是否各项均已达标")
    at_risk: bool = strawberry.field(description="是否有一项落后于进度（预警）")

    @classmethod
    def of(cls, standing: Standing) -> "QuotaStandingType":
        elapsed = standing.target.elapsed
        return cls(
            quota_period=standing.target.quota_period,
            period_name=standing.period_name,
            period=ServicePeriodType.of(standing.target.period),
            days_passed=elapsed.days,
            days_in_period=elapsed.of_days,
            days_left=elapsed.days_left,
            measures=[QuotaMeasureType.of(m) for m in standing.measures],
            met=standing.met,
            at_risk=standing.at_risk,
        )


@strawberry.type(name="MemberScore", description="党员的积分、星级与考核：累计和一年各时段")
class MemberScoreType:
    year: int = strawberry.field(description="年份")
    star_level: int = strawberry.field(description="星级：0（未达一星）到 5，按本县现行标准")
    next_star_hours: int | None = strawberry.field(
        description="下一星级所需的累计时长（小时）；已达五星为空"
    )
    all_time: ScoreTotalsType = strawberry.field(description="累计")
    periods: list[ScoreTotalsType] = strawberry.field(
        description="当年：全年、上下半年、四个季度、十二个月，依次排列"
    )
    quotas: list[QuotaStandingType] = strawberry.field(description="本县当前各考核周期的完成情况")
    member_id: strawberry.Private[int]

    @classmethod
    def of(cls, view: MemberScoreView) -> "MemberScoreType":
        return cls(
            year=view.year,
            star_level=view.star_level,
            next_star_hours=view.next_star_hours,
            all_time=ScoreTotalsType.of(view.all_time),
            periods=[ScoreTotalsType.of(t) for t in view.periods],
            quotas=[QuotaStandingType.of(s) for s in view.standings],
            member_id=view.member.id,
        )

    @strawberry.field(description="党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)


@strawberry.type(name="UnitScore", description="单位党组织的服务统计与考核：累计和一年各时段")
class UnitScoreType:
    year: int = strawberry.field(description="年份")
    all_time: UnitScoreTotalsType = strawberry.field(description="累计")
    periods: list[UnitScoreTotalsType] = strawberry.field(
        description="当年：全年、上下半年、四个季度、十二个月，依次排列"
    )
    quotas: list[QuotaStandingType] = strawberry.field(description="本县当前单位考核指标的完成情况")
    unit_id: strawberry.Private[int]

    @classmethod
    def of(cls, view: UnitScoreView) -> "UnitScoreType":
        return cls(
            year=view.year,
            all_time=UnitScoreTotalsType.of_unit(view.all_time),
            periods=[UnitScoreTotalsType.of_unit(t) for t in view.periods],
            quotas=[QuotaStandingType.of(s) for s in view.standings],
            unit_id=view.unit.id,
        )

    @strawberry.field(description="单位党组织")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.unit_id)


@strawberry.type(name="MyQuotaStanding", description="本人在本县当前各考核周期的完成情况")
class MyQuotaStandingType:
    quotas: list[QuotaStandingType] = strawberry.field(description="各考核周期")
    at_risk: bool = strawberry.field(description="是否有一项落后于进度")
    member_id: strawberry.Private[int]

    @strawberry.field(description="党员本人")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)


@strawberry.type(name="AtRiskMember", description="落后于考核进度的党员，及其各考核周期的情况")
class AtRiskMemberType(relay.Node):
    id: relay.NodeID[int]
    quotas: list[QuotaStandingType] = strawberry.field(description="本县当前各考核周期的完成情况")

    @classmethod
    def of(cls, row: AtRisk) -> "AtRiskMemberType":
        return cls(id=row.subject.id, quotas=[QuotaStandingType.of(s) for s in row.standings])

    @strawberry.field(description="党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, int(self.id))


@strawberry.type(name="AtRiskUnit", description="落后于考核进度的单位党组织，及其各项考核的情况")
class AtRiskUnitType(relay.Node):
    id: relay.NodeID[int]
    quotas: list[QuotaStandingType] = strawberry.field(description="本县当前单位考核指标的完成情况")

    @classmethod
    def of(cls, row: AtRisk) -> "AtRiskUnitType":
        return cls(id=row.subject.id, quotas=[QuotaStandingType.of(s) for s in row.standings])

    @strawberry.field(description="单位党组织")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, int(self.id))
