"""A county's rules as clients read and send them. Hours and points are Floats here and
decimals (hundredths at most) in the domain; omitted input fields take the platform's
defaults, which the schema shows."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from tenants.rules.model import (
    AssessmentRules,
    ContributionKind,
    Grade,
    HourRules,
    MemberQuota,
    PointRules,
    QuotaPeriod,
    RoundingMode,
    Rules,
)
from tenants.rules.models import RulesVersion

DEFAULT = Rules()

RoundingModeType = strawberry.enum(
    RoundingMode, name="RoundingMode", description="服务时长取整方式：向下、四舍五入、向上"
)
QuotaPeriodType = strawberry.enum(
    QuotaPeriod, name="QuotaPeriod", description="考核周期：每季度、每半年、每年"
)
FeedbackGradeType = strawberry.enum(
    Grade, name="FeedbackGrade", description="表现反馈表的等次：优秀、合格、基本合格、不合格"
)


def _amount(value: float) -> Decimal:
    # Through its shortest text, so 0.1 stays 0.1 and not the binary float's expansion.
    return Decimal(str(value))


@strawberry.type(name="ContributionPoints", description="每次服务贡献另计的积分（在时长积分之外）")
class ContributionPointsType:
    activity: float = strawberry.field(description="参加一次志愿活动")
    project_claim: float = strawberry.field(description="认领一个项目")
    wish: float = strawberry.field(description="实现一个微心愿")
    whistle_call: float = strawberry.field(description="响应一次吹哨报到")
    visit: float = strawberry.field(description="一次走访")


@strawberry.type(name="PointRules", description="积分规则")
class PointRulesType:
    per_hour: float = strawberry.field(description="每小时服务时长的积分")
    per_contribution: ContributionPointsType = strawberry.field(description="各类贡献另计的积分")

    @classmethod
    def of(cls, points: PointRules) -> "PointRulesType":
        by_kind = {kind.value: float(value) for kind, value in points.per_contribution.items()}
        return cls(
            per_hour=float(points.per_hour), per_contribution=ContributionPointsType(**by_kind)
        )


@strawberry.type(name="HourRules", description="服务时长的计算：取整和上限")
class HourRulesType:
    rounding_minutes: int = strawberry.field(description="计时单位（分钟）：1、15、30 或 60")
    rounding_mode: RoundingModeType = strawberry.field(description="不足一个计时单位时如何取整")  # type: ignore[valid-type]
    cap_per_activity: float = strawberry.field(description="每次活动最多计入的小时数")
    cap_per_day: float = strawberry.field(description="每人每天最多计入的小时数（不超过 24）")

    @classmethod
    def of(cls, hours: HourRules) -> "HourRulesType":
        return cls(
            rounding_minutes=hours.rounding_minutes,
            rounding_mode=hours.rounding_mode,
            cap_per_activity=float(hours.cap_per_activity),
            cap_per_day=float(hours.cap_per_day),
        )


@strawberry.type(name="MemberQuota", description="在职党员每个考核周期须达到的服务量")
class MemberQuotaType:
    period: QuotaPeriodType = strawberry.field(description="考核周期")  # type: ignore[valid-type]
    min_hours: float = strawberry.field(description="最少服务小时数")
    min_times: int = strawberry.field(description="最少服务次数")

    @classmethod
    def of(cls, quota: MemberQuota) -> "MemberQuotaType":
        return cls(period=quota.period, min_hours=float(quota.min_hours), min_times=quota.min_times)


@strawberry.type(name="UnitQuotas", description="单位党组织须达到的服务量")
class UnitQuotasType:
    activities_per_quarter: int = strawberry.field(description="每季度至少开展的集体服务活动次数")
    projects_per_year: int = strawberry.field(description="每年至少认领的项目数")


@strawberry.type(name="UnitWeights", description="单位评价表各项的权重（合计 100 分）")
class UnitWeightsType:
    collective_activities: int = strawberry.field(description="集体服务活动")
    projects: int = strawberry.field(description="项目认领与完成")
    commitments: int = strawberry.field(description="共驻共建协议承诺履行")
    registration: int = strawberry.field(description="单位党员到社区报到率")
    compliance: int = strawberry.field(description="报到党员服务指标达标率")


@strawberry.type(
    name="AssessmentRules", description="年度双考核：表现反馈表的等次约束、单位评价权重、签发期限"
)
class AssessmentRulesType:
    missed_quota_ceiling: FeedbackGradeType = strawberry.field(  # type: ignore[valid-type]
        description="未达到服务指标的党员最高可评的等次"
    )
    excellent_min_hours: float = strawberry.field(
        description="评为优秀须在反馈期间服务满的小时数；0 表示不限"
    )
    comment_required: list[FeedbackGradeType] = strawberry.field(  # type: ignore[valid-type]
        description="须填写评语的等次"
    )
    unit_weights: UnitWeightsType = strawberry.field(description="单位评价表各项的权重")
    feedback_deadline_days: int = strawberry.field(
        description="反馈表须在年末（12月31日）后多少天内签发；负数为年末前"
    )
    reminder_days: list[int] = strawberry.field(description="签发截止日前多少天提醒社区")

    @classmethod
    def of(cls, rules: AssessmentRules) -> "AssessmentRulesType":
        return cls(
            missed_quota_ceiling=rules.missed_quota_ceiling,
            excellent_min_hours=float(rules.excellent_min_hours),
            comment_required=list(rules.comment_required),
            unit_weights=UnitWeightsType(**rules.unit_weights.model_dump()),
            feedback_deadline_days=rules.feedback_deadline_days,
            reminder_days=list(rules.reminder_days),
        )


@strawberry.type(name="Rules", description="县（区）的双报到、双服务规则")
class RulesType:
    effective_from: date | None = strawberry.field(
        description="这一版规则的生效日期；为空表示本县（区）未设置过，使用平台默认规则"
    )
    star_levels: list[int] = strawberry.field(description="一星到五星所需的累计服务小时数")
    points: PointRulesType = strawberry.field(description="积分规则")
    hours: HourRulesType = strawberry.field(description="服务时长的取整和上限")
    member_quotas: list[MemberQuotaType] = strawberry.field(description="在职党员的考核指标")
    unit_quotas: UnitQuotasType = strawberry.field(description="单位党组织的考核指标")
    post_categories: list[str] = strawberry.field(description="志愿服务岗位类别")
    notice_days: int = strawberry.field(description="服务时长的公示天数；0 表示不公示")
    assessment: AssessmentRulesType = strawberry.field(
        description="年度双考核：表现反馈表和单位评价表的规则"
    )

    @classmethod
    def of(cls, rules: Rules, effective_from: date | None) -> "RulesType":
        return cls(
            effective_from=effective_from,
            star_levels=list(rules.star_levels),
            points=PointRulesType.of(rules.points),
            hours=HourRulesType.of(rules.hours),
            member_quotas=[MemberQuotaType.of(quota) for quota in rules.member_quotas],
            unit_quotas=UnitQuotasType(
                activities_per_quarter=rules.unit_quotas.activities_per_quarter,
                projects_per_year=rules.unit_quotas.projects_per_year,
            ),
            post_categories=list(rules.post_categories),
            notice_days=rules.notice_days,
            assessment=AssessmentRulesType.of(rules.assessment),
        )


@strawberry.type(
    name="RulesVersion", description="规则的一个版本：谁、何时、为何设置，从哪天起生效"
)
class RulesVersionType(relay.Node):
    id: relay.NodeID[int]
    effective_from: date = strawberry.field(description="生效日期")
    note: str | None = strawberry.field(description="修改说明")
    created_by: str = strawberry.field(description="设置人")
    created_at: datetime = strawberry.field(description="设置时间")
    rules: RulesType = strawberry.field(description="这一版的规则")

    @classmethod
    def from_model(cls, version: RulesVersion) -> "RulesVersionType":
        return cls(
            id=version.id,
            effective_from=version.effective_from,
            note=version.note,
            created_by=version.created_by,
            created_at=version.created_at,
            rules=RulesType.of(Rules.from_stored(version.body), version.effective_from),
        )


_points = DEFAULT.points.per_contribution


@strawberry.input(description="每次服务贡献另计的积分；未给出的项取平台默认值")
class ContributionPointsInput:
    activity: float = strawberry.field(
        default=float(_points[ContributionKind.ACTIVITY]), description="参加一次志愿活动"
    )
    project_claim: float = strawberry.field(
        default=float(_points[ContributionKind.PROJECT_CLAIM]), description="认领一个项目"
    )
    wish: float = strawberry.field(
        default=float(_points[ContributionKind.WISH]), description="实现一个微心愿"
    )
    whistle_call: float = strawberry.field(
        default=float(_points[ContributionKind.WHISTLE_CALL]), description="响应一次吹哨报到"
    )
    visit: float = strawberry.field(
        default=float(_points[ContributionKind.VISIT]), description="一次走访"
    )

    def data(self) -> dict[str, Decimal]:
        return {kind.value: _amount(getattr(self, kind.value)) for kind in ContributionKind}


@strawberry.input(description="积分规则；未给出的项取平台默认值")
class PointRulesInput:
    per_hour: float = strawberry.field(
        default=float(DEFAULT.points.per_hour), description="每小时服务时长的积分，不能为负数"
    )
    per_contribution: ContributionPointsInput = strawberry.field(
        default_factory=ContributionPointsInput, description="各类贡献另计的积分，不能为负数"
    )

    def data(self) -> dict[str, Any]:
        return {
            "per_hour": _amount(self.per_hour),
            "per_contribution": self.per_contribution.data(),
        }


@strawberry.input(description="服务时长的取整和上限；未给出的项取平台默认值")
class HourRulesInput:
    rounding_minutes: int = strawberry.field(
        default=DEFAULT.hours.rounding_minutes, description="计时单位（分钟）：1、15、30 或 60"
    )
    rounding_mode: RoundingModeType = strawberry.field(  # type: ignore[valid-type]
        default=DEFAULT.hours.rounding_mode, description="不足一个计时单位时如何取整"
    )
    cap_per_activity: float = strawberry.field(
        default=float(DEFAULT.hours.cap_per_activity),
        description="每次活动最多计入的小时数，大于 0",
    )
    cap_per_day: float = strawberry.field(
        default=float(DEFAULT.hours.cap_per_day),
        description="每人每天最多计入的小时数，大于 0 且不超过 24",
    )

    def data(self) -> dict[str, Any]:
        return {
            "rounding_minutes": self.rounding_minutes,
            "rounding_mode": RoundingMode(self.rounding_mode),
            "cap_per_activity": _amount(self.cap_per_activity),
            "cap_per_day": _amount(self.cap_per_day),
        }


@strawberry.input(description="在职党员一个考核周期的指标；每种周期只能设一项")
class MemberQuotaInput:
    period: QuotaPeriodType = strawberry.field(description="考核周期")  # type: ignore[valid-type]
    min_hours: float = strawberry.field(default=0.0, description="最少服务小时数，不能为负数")
    min_times: int = strawberry.field(default=0, description="最少服务次数，不能为负数")

    def data(self) -> dict[str, Any]:
        return {
            "period": QuotaPeriod(self.period),
            "min_hours": _amount(self.min_hours),
            "min_times": self.min_times,
        }


def _default_member_quotas() -> list[MemberQuotaInput]:
    return [
        MemberQuotaInput(period=q.period, min_hours=float(q.min_hours), min_times=q.min_times)
        for q in DEFAULT.member_quotas
    ]


@strawberry.input(description="单位党组织的考核指标；未给出的项取平台默认值")
class UnitQuotasInput:
    activities_per_quarter: int = strawberry.field(
        default=DEFAULT.unit_quotas.activities_per_quarter,
        description="每季度至少开展的集体服务活动次数，不能为负数",
    )
    projects_per_year: int = strawberry.field(
        default=DEFAULT.unit_quotas.projects_per_year,
        description="每年至少认领的项目数，不能为负数",
    )


_assessment = DEFAULT.assessment
_weights = _assessment.unit_weights


@strawberry.input(description="单位评价表各项的权重：均不小于 0，合计 100；未给出的项取平台默认值")
class UnitWeightsInput:
    collective_activities: int = strawberry.field(
        default=_weights.collective_activities, description="集体服务活动"
    )
    projects: int = strawberry.field(default=_weights.projects, description="项目认领与完成")
    commitments: int = strawberry.field(
        default=_weights.commitments, description="共驻共建协议承诺履行"
    )
    registration: int = strawberry.field(
        default=_weights.registration, description="单位党员到社区报到率"
    )
    compliance: int = strawberry.field(
        default=_weights.compliance, description="报到党员服务指标达标率"
    )

    def data(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _weights.model_dump()}


@strawberry.input(description="年度双考核的规则；未给出的项取平台默认值")
class AssessmentRulesInput:
    missed_quota_ceiling: FeedbackGradeType = strawberry.field(  # type: ignore[valid-type]
        default=_assessment.missed_quota_ceiling,
        description="未达到服务指标的党员最高可评的等次",
    )
    excellent_min_hours: float = strawberry.field(
        default=float(_assessment.excellent_min_hours),
        description="评为优秀须在反馈期间服务满的小时数，不能为负数；0 表示不限",
    )
    comment_required: list[FeedbackGradeType] = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: list(_assessment.comment_required),
        description="须填写评语的等次，不能重复",
    )
    unit_weights: UnitWeightsInput = strawberry.field(
        default_factory=UnitWeightsInput, description="单位评价表各项的权重"
    )
    feedback_deadline_days: int = strawberry.field(
        default=_assessment.feedback_deadline_days,
        description="反馈表须在年末（12月31日）后多少天内签发：-60 到 90，负数为年末前",
    )
    reminder_days: list[int] = strawberry.field(
        default_factory=lambda: list(_assessment.reminder_days),
        description="签发截止日前多少天提醒社区：各 1 到 60，不能重复",
    )

    def data(self) -> dict[str, Any]:
        return {
            "missed_quota_ceiling": Grade(self.missed_quota_ceiling),
            "excellent_min_hours": _amount(self.excellent_min_hours),
            "comment_required": [Grade(g) for g in self.comment_required],
            "unit_weights": self.unit_weights.data(),
            "feedback_deadline_days": self.feedback_deadline_days,
            "reminder_days": self.reminder_days,
        }


@strawberry.input(
    description="县（区）的一版规则；整版替换，未给出的项取平台默认值（见各项默认值）"
)
class RulesInput:
    star_levels: list[int] = strawberry.field(
        default_factory=lambda: list(DEFAULT.star_levels),
        description="一星到五星所需的累计服务小时数：5 个，均大于 0，逐级升高",
    )
    points: PointRulesInput = strawberry.field(
        default_factory=PointRulesInput, description="积分规则"
    )
    hours: HourRulesInput = strawberry.field(
        default_factory=HourRulesInput, description="服务时长的取整和上限"
    )
    member_quotas: list[MemberQuotaInput] = strawberry.field(
        default_factory=_default_member_quotas, description="在职党员的考核指标，每种周期至多一项"
    )
    unit_quotas: UnitQuotasInput = strawberry.field(
        default_factory=UnitQuotasInput, description="单位党组织的考核指标"
    )
    post_categories: list[str] = strawberry.field(
        default_factory=lambda: list(DEFAULT.post_categories),
        description="志愿服务岗位类别：至少一个，每个 1 到 20 个字，不能重复",
    )
    notice_days: int = strawberry.field(
        default=DEFAULT.notice_days, description="服务时长的公示天数：0 到 30，0 表示不公示"
    )
    assessment: AssessmentRulesInput = strawberry.field(
        default_factory=AssessmentRulesInput, description="年度双考核的规则"
    )

    def to_rules(self) -> Rules:
        return Rules.parse(
            {
                "star_levels": self.star_levels,
                "points": self.points.data(),
                "hours": self.hours.data(),
                "member_quotas": [quota.data() for quota in self.member_quotas],
                "unit_quotas": {
                    "activities_per_quarter": self.unit_quotas.activities_per_quarter,
                    "projects_per_year": self.unit_quotas.projects_per_year,
                },
                "post_categories": self.post_categories,
                "notice_days": self.notice_days,
                "assessment": self.assessment.data(),
            }
        )
