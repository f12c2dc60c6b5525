"""A county's rules as plain data, and the checks that keep them sensible.

Counties differ, so none of this is code: each county stores versions of these rules with
an effective date (tenants/rules/models.py) and a period is judged by the version in force
then. `Rules()` is the platform's default; tenants/rules/hours.py applies them to hours.
"""

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from tenants.rules.errors import InvalidRules

# Reading a stored version skips the checks: a check tightened later must not make a past
# period unreadable (what was accepted when written stays the rule of its time).
STORED = "stored"


class ContributionKind(enum.StrEnum):
    ACTIVITY = "activity"
    PROJECT_CLAIM = "project_claim"
    WISH = "wish"
    WHISTLE_CALL = "whistle_call"
    VISIT = "visit"


CONTRIBUTION_NAMES = {
    ContributionKind.ACTIVITY: "活动",
    ContributionKind.PROJECT_CLAIM: "项目认领",
    ContributionKind.WISH: "微心愿",
    ContributionKind.WHISTLE_CALL: "吹哨报到",
    ContributionKind.VISIT: "走访",
}
# Points for each contribution on top of its hours.
DEFAULT_CONTRIBUTION_POINTS = {
    ContributionKind.ACTIVITY: Decimal(1),
    ContributionKind.PROJECT_CLAIM: Decimal(5),
    ContributionKind.WISH: Decimal(2),
    ContributionKind.WHISTLE_CALL: Decimal(3),
    ContributionKind.VISIT: Decimal(1),
}


class RoundingMode(enum.StrEnum):
    DOWN = "down"
    NEAREST = "nearest"
    UP = "up"


class QuotaPeriod(enum.StrEnum):
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


PERIOD_NAMES = {
    QuotaPeriod.QUARTER: "每季度",
    QuotaPeriod.HALF_YEAR: "每半年",
    QuotaPeriod.YEAR: "每年",
}
DEFAULT_POST_CATEGORIES = (
    "党员先锋岗",
    "环境义务岗",
    "邻里互助岗",
    "政策宣传岗",
    "法律咨询岗",
    "纠纷调解岗",
)


def _canonical(value: Decimal) -> Decimal:
    """One spelling per number (8.0 and 8 are both `8`), so equal rules store equal JSON."""
    if not value.is_finite():
        return value
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


# Hours and points: decimals, kept in hundredths at most by the checks.
Amount = Annotated[Decimal, AfterValidator(_canonical)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PointRules(_Frozen):
    per_hour: Amount = Decimal(1)
    per_contribution: dict[ContributionKind, Amount] = Field(
        default_factory=lambda: dict(DEFAULT_CONTRIBUTION_POINTS)
    )

    @field_validator("per_contribution", mode="before")
    @classmethod
    def _every_kind(cls, value: Any) -> Any:
        """A kind not given (or added after a version was stored) earns its default."""
        if isinstance(value, Mapping):
            return {**DEFAULT_CONTRIBUTION_POINTS, **value}
        return value


class HourRules(_Frozen):
    # Durations are rounded to this many minutes: 1, 15, 30 or 60.
    rounding_minutes: int = 30
    rounding_mode: RoundingMode = RoundingMode.DOWN
    cap_per_activity: Amount = Decimal(8)
    cap_per_day: Amount = Decimal(12)


class MemberQuota(_Frozen):
    """What a member must do in each period of this kind."""

    period: QuotaPeriod
    min_hours: Amount = Decimal(0)
    min_times: int = 0


class UnitQuotas(_Frozen):
    activities_per_quarter: int = 1
    projects_per_year: int = 2


class Grade(enum.StrEnum):
    """The grades of a member's year-end feedback form (表现反馈表), best first."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


GRADE_NAMES = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "合格",
    Grade.FAIR: "基本合格",
    Grade.POOR: "不合格",
}
# Best first: a grade "above" another comes before it.
GRADE_ORDER = (Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR)


class UnitWeights(_Frozen):
    """How a unit evaluation (评价表) weighs its five measures: points out of 100."""

    collective_activities: int = 25
    projects: int = 25
    commitments: int = 20
    registration: int = 15
    compliance: int = 15


class AssessmentRules(_Frozen):
    """The year-end feedback forms and unit evaluations (双考核)."""

    # A member short of a quota in the months a form covers is graded at most this.
    missed_quota_ceiling: Grade = Grade.FAIR
    # 优秀 asks for at least these confirmed hours in the months covered (0: no minimum).
    excellent_min_hours: Amount = Decimal(0)
    # Grades the community must explain with a comment.
    comment_required: tuple[Grade, ...] = (Grade.EXCELLENT, Grade.POOR)
    unit_weights: UnitWeights = UnitWeights()
    # The forms of a year are signed off by this many days after its last day (31: by
    # 31 January); negative: before the year ends.
    feedback_deadline_days: int = 31
    # Communities with forms outstanding are reminded this many days before the deadline.
    reminder_days: tuple[int, ...] = (14, 7, 3, 1)


class Rules(_Frozen):
    # Hours for one to five stars.
    star_levels: tuple[int, ...] = (100, 300, 600, 1000, 1500)
    points: PointRules = PointRules()
    hours: HourRules = HourRules()
    member_quotas: tuple[MemberQuota, ...] = (
        MemberQuota(period=QuotaPeriod.YEAR, min_hours=Decimal(10), min_times=0),
    )
    unit_quotas: UnitQuotas = UnitQuotas()
    post_categories: tuple[str, ...] = DEFAULT_POST_CATEGORIES
    # Days that credited hours are shown publicly before they count; 0 means no notice.
    notice_days: int = 0
    assessment: AssessmentRules = AssessmentRules()

    @field_validator("post_categories")
    @classmethod
    def _strip(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name.strip() for name in names)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Self:
        if not (info.context or {}).get(STORED):
            _check(self)
        return self

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "Rules":
        """Rules from input, every fault an `InvalidRules` in zh-CN."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            path = input_path(error.errors()[0]["loc"])
            raise InvalidRules(f"规则的格式不正确：{path}", field=path) from None

    @classmethod
    def from_stored(cls, body: Mapping[str, Any]) -> "Rules":
        """A stored version; keys it lacks (added since) take their defaults."""
        return cls.model_validate(body, context={STORED: True})

    def to_stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def input_path(loc: tuple[int | str, ...]) -> str:
    """A location in the rules as the GraphQL input names it: `memberQuotas[1].minHours`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + to_camel(part)
    return path


# The checks, in the order the form shows the rules; the first fault is reported, with
# the GraphQL input path of the value at fault.
STAR_NAMES = ("一星", "二星", "三星", "四星", "五星")
ROUNDING_UNITS = (1, 15, 30, 60)
HOURS_PER_DAY = 24
CATEGORY_MAX_LENGTH = 20
NOTICE_MAX_DAYS = 30
DEADLINE_DAYS = (-60, 90)
REMINDER_MAX_DAYS = 60
WEIGHT_NAMES = {
    "collective_activities": "集体服务活动",
    "projects": "项目认领",
    "commitments": "协议承诺履行",
    "registration": "党员报到率",
    "compliance": "党员服务指标达标率",
}


def _check(rules: Rules) -> None:
    _check_star_levels(rules.star_levels)
    _check_points(rules.points)
    _check_hours(rules.hours)
    _check_member_quotas(rules.member_quotas)
    _check_unit_quotas(rules.unit_quotas)
    _check_post_categories(rules.post_categories)
    if not 0 <= rules.notice_days <= NOTICE_MAX_DAYS:
        raise InvalidRules(f"公示期应在 0 到 {NOTICE_MAX_DAYS} 天之间", field="noticeDays")
    _check_assessment(rules.assessment)


def _check_star_levels(levels: tuple[int, ...]) -> None:
    if len(levels) != len(STAR_NAMES):
        raise InvalidRules(
            f"星级标准应依次给出一星到五星共 5 个时长门槛，收到的是 {len(levels)} 个",
            field="starLevels",
        )
    for i, hours in enumerate(levels):
        if hours <= 0:
            raise InvalidRules(f"{STAR_NAMES[i]}的时长门槛应大于 0 小时", field=f"starLevels[{i}]")
        if i and hours <= levels[i - 1]:
            raise InvalidRules(
                f"{STAR_NAMES[i]}的时长门槛（{hours} 小时）应高于"
                f"{STAR_NAMES[i - 1]}（{levels[i - 1]} 小时）",
                field=f"starLevels[{i}]",
            )


def _check_amount(value: Decimal, label: str, field: str, *, positive: bool = False) -> None:
    """Hours and points: not negative (or above zero), in hundredths at most."""
    if not value.is_finite() or (value <= 0 if positive else value < 0):
        raise InvalidRules(f"{label}应大于 0" if positive else f"{label}不能为负数", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidRules(f"{label}最多保留两位小数", field=field)


def _check_points(points: PointRules) -> None:
    _check_amount(points.per_hour, "每小时服务积分", "points.perHour")
    for kind, value in points.per_contribution.items():
        field = f"points.perContribution.{to_camel(kind.value)}"
        _check_amount(value, f"每次{CONTRIBUTION_NAMES[kind]}的积分", field)


def _check_hours(hours: HourRules) -> None:
    if hours.rounding_minutes not in ROUNDING_UNITS:
        units = "、".join(str(unit) for unit in ROUNDING_UNITS[:-1])
        raise InvalidRules(
            f"计时单位应为 {units} 或 {ROUNDING_UNITS[-1]} 分钟", field="hours.roundingMinutes"
        )
    label = "每次活动最多计入的时长（小时）"
    _check_amount(hours.cap_per_activity, label, "hours.capPerActivity", positive=True)
    label = "每天最多计入的时长（小时）"
    _check_amount(hours.cap_per_day, label, "hours.capPerDay", positive=True)
    if hours.cap_per_day > HOURS_PER_DAY:
        raise InvalidRules(f"{label}不能超过 {HOURS_PER_DAY}", field="hours.capPerDay")


def _check_member_quotas(quotas: tuple[MemberQuota, ...]) -> None:
    seen: dict[QuotaPeriod, int] = {}
    for i, quota in enumerate(quotas):
        which = f"第 {i + 1} 项党员指标"
        if quota.period in seen:
            raise InvalidRules(
                f"{which}的考核周期“{PERIOD_NAMES[quota.period]}”与第 {seen[quota.period] + 1} "
                "项重复：每种考核周期只能设一项指标",
                field=f"memberQuotas[{i}].period",
            )
        seen[quota.period] = i
        _check_amount(quota.min_hours, f"{which}的最少服务时长", f"memberQuotas[{i}].minHours")
        if quota.min_times < 0:
            raise InvalidRules(
                f"{which}的最少服务次数不能为负数", field=f"memberQuotas[{i}].minTimes"
            )


def _check_unit_quotas(quotas: UnitQuotas) -> None:
    if quotas.activities_per_quarter < 0:
        raise InvalidRules(
            "单位每季度集体服务活动次数不能为负数", field="unitQuotas.activitiesPerQuarter"
        )
    if quotas.projects_per_year < 0:
        raise InvalidRules("单位每年认领项目数不能为负数", field="unitQuotas.projectsPerYear")


def _check_post_categories(names: tuple[str, ...]) -> None:
    if not names:
        raise InvalidRules("至少要设一个志愿服务岗位类别", field="postCategories")
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not 1 <= len(name) <= CATEGORY_MAX_LENGTH:
            raise InvalidRules(
                f"第 {i + 1} 个岗位类别的名称不能为空，且不超过 {CATEGORY_MAX_LENGTH} 个字",
                field=f"postCategories[{i}]",
            )
        if name in seen:
            raise InvalidRules(f"岗位类别“{name}”重复了", field=f"postCategories[{i}]")
        seen.add(name)


def _check_assessment(rules: AssessmentRules) -> None:
    _check_amount(
        rules.excellent_min_hours,
        "评为“优秀”所需的最少服务时长",
        "assessment.excellentMinHours",
    )
    if len(set(rules.comment_required)) != len(rules.comment_required):
        raise InvalidRules("须填写评语的等次有重复", field="assessment.commentRequired")
    weights = rules.unit_weights.model_dump()
    for name, weight in weights.items():
        if weight < 0:
            raise InvalidRules(
                f"单位评价中“{WEIGHT_NAMES[name]}”的权重不能为负数",
                field=f"assessment.unitWeights.{to_camel(name)}",
            )
    total = sum(weights.values())
    if total != 100:
        raise InvalidRules(
            f"单位评价各项权重之和应为 100，现为 {total}", field="assessment.unitWeights"
        )
    low, high = DEADLINE_DAYS
    if not low <= rules.feedback_deadline_days <= high:
        raise InvalidRules(
            f"反馈表签发截止日应在年末前 {-low} 天到年末后 {high} 天之间",
            field="assessment.feedbackDeadlineDays",
        )
    seen: set[int] = set()
    for i, days in enumerate(rules.reminder_days):
        field = f"assessment.reminderDays[{i}]"
        if not 1 <= days <= REMINDER_MAX_DAYS:
            raise InvalidRules(f"提醒应在截止日前 1 到 {REMINDER_MAX_DAYS} 天", field=field)
        if days in seen:
            raise InvalidRules(f"提醒天数 {days} 重复了", field=field)
        seen.add(days)
