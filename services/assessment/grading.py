"""Which grades the county's rules allow a form, and why not: a member short of a quota
is graded at most the rules' ceiling (基本合格 by default); 优秀 may ask for a minimum of
hours in the months covered; some grades need the community's comment."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.assessment.errors import GradeNotAllowed, InvalidAssessment
from services.assessment.models import FeedbackForm
from tenants.rules.model import GRADE_NAMES, GRADE_ORDER, Grade, Rules


@dataclass(frozen=True)
class GradeOption:
    grade: Grade
    allowed: bool
    # Why the grade is not allowed (None when it is).
    reason: str | None


def hours_text(hours: Decimal) -> str:
    """2.50 → 2.5, 8.00 → 8"""
    return f"{hours.normalize():f}"


def grade_name(grade: Grade) -> str:
    return f"“{GRADE_NAMES[grade]}”"


def wanted_text(check: dict[str, Any]) -> str:
    """What a quota asks: `10 小时`, `8 次`, `40 小时、8 次`."""
    wanted = []
    if Decimal(check["min_hours"]) > 0:
        wanted.append(f"{hours_text(Decimal(check['min_hours']))} 小时")
    if check["min_times"] > 0:
        wanted.append(f"{check['min_times']} 次")
    return "、".join(wanted)


def done_text(check: dict[str, Any]) -> str:
    return f"{hours_text(Decimal(check['hours']))} 小时、{check['times']} 次"


def quota_text(check: dict[str, Any]) -> str:
    """`2025年服务 6 小时、2 次，要求至少 10 小时`"""
    return f"{check['period_name']}服务 {done_text(check)}，要求至少 {wanted_text(check)}"


def missed(form: FeedbackForm) -> list[dict[str, Any]]:
    return [check for check in form.quota_checks if not check["met"]]


def _above(grade: Grade, ceiling: Grade) -> bool:
    return GRADE_ORDER.index(grade) < GRADE_ORDER.index(ceiling)


def grade_options(form: FeedbackForm, rules: Rules) -> list[GradeOption]:
    """Every grade, best first, allowed or with the reasons it is not."""
    assessment = rules.assessment
    short = missed(form)
    options = []
    for grade in GRADE_ORDER:
        reasons = []
        if short and _above(grade, assessment.missed_quota_ceiling):
            reasons.append(
                f"未达到服务指标（{'；'.join(quota_text(c) for c in short)}），"
                f"最高可评为{grade_name(assessment.missed_quota_ceiling)}"
            )
        minimum = assessment.excellent_min_hours
        if grade is Grade.EXCELLENT and minimum > 0 and form.service_hours < minimum:
            reasons.append(
                f"评为“优秀”须在反馈期间服务满 {hours_text(minimum)} 小时，"
                f"该党员为 {hours_text(form.service_hours)} 小时"
            )
        options.append(GradeOption(grade, not reasons, "；".join(reasons) or None))
    return options


def check_grade(
    form: FeedbackForm, rules: Rules, grade: Grade, comment: str | None, member_name: str
) -> None:
    """Refuse a grade the rules forbid (saying why) or one left unexplained."""
    option = next(o for o in grade_options(form, rules) if o.grade is grade)
    if not option.allowed:
        raise GradeNotAllowed(
            f"{member_name}不能评为{grade_name(grade)}：{option.reason}", field="grade"
        )
    if grade in rules.assessment.comment_required and not comment:
        raise InvalidAssessment(f"评为{grade_name(grade)}须填写「评语」", field="comment")
