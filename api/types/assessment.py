"""表现反馈表 as clients see it: the member's form with its figures, the grades the rules
allow it (and why not), its history and PDF; a community's progress against the
deadline; a step of the history (shared with the unit evaluations, unit_evaluations.py)."""

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.assessment_loaders import assessment_loaders
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registration import Document
from api.types.registry import MemberType, UnitType, load_member, load_unit
from api.types.rules import FeedbackGradeType, QuotaPeriodType
from services.assessment import documents
from services.assessment.grading import grade_options
from services.assessment.models import (
    CHANGE_NAMES,
    FORM_STATUS_NAMES,
    AssessmentChange,
    ChangeKind,
    FeedbackForm,
    FormStatus,
)
from services.assessment.views import Progress
from tenants.rules.model import GRADE_NAMES, QuotaPeriod

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FeedbackFormStatusType = strawberry.enum(
    FormStatus,
    name="FeedbackFormStatus",
    description="反馈表状态：待签发、已签发、已送达单位、单位已签收",
)
AssessmentChangeKindType = strawberry.enum(
    ChangeKind,
    name="AssessmentChangeKind",
    description="反馈表、评价表的办理步骤：生成、更新、评定、认定、签发、撤回签发、送达、签收",
)


def workbook(filename: str, content: bytes) -> Document:
    return Document(
        filename=filename, content_type=XLSX, content_base64=base64.b64encode(content).decode()
    )


@strawberry.type(
    name="AssessmentChange", description="反馈表或评价表的一次办理：谁、何时、做了什么"
)
class AssessmentChangeType:
    change: AssessmentChangeKindType = strawberry.field(description="办理步骤")  # type: ignore[valid-type]
    change_name: str = strawberry.field(description="办理步骤（中文）")
    grade: FeedbackGradeType | None = strawberry.field(description="当时的等次")  # type: ignore[valid-type]
    note: str | None = strawberry.field(description="评语、撤回原因或认定说明")
    changed_by_name: str = strawberry.field(description="经办人")
    changed_at: datetime = strawberry.field(description="办理时间")

    @classmethod
    def of(cls, change: AssessmentChange) -> "AssessmentChangeType":
        return cls(
            change=change.change,
            change_name=CHANGE_NAMES[change.change],
            grade=change.grade,
            note=change.note,
            changed_by_name=change.changed_by_name,
            changed_at=change.changed_at,
        )


@strawberry.type(
    name="FeedbackQuotaCheck", description="反馈期间涉及的一个考核周期的服务指标完成情况"
)
class FeedbackQuotaCheckType:
    quota_period: QuotaPeriodType = strawberry.field(description="指标的考核周期")  # type: ignore[valid-type]
    period: str = strawberry.field(description="周期，如 2025、2025-Q3")
    period_name: str = strawberry.field(description="周期（中文），如 2025年第三季度")
    min_hours: Decimal = strawberry.field(description="要求的最少服务小时数")
    min_times: int = strawberry.field(description="要求的最少服务次数")
    hours: Decimal = strawberry.field(description="该周期已确认的服务小时数")
    times: int = strawberry.field(description="该周期已确认的服务次数")
    met: bool = strawberry.field(description="是否达标")

    @classmethod
    def of(cls, check: dict[str, Any]) -> "FeedbackQuotaCheckType":
        return cls(
            quota_period=QuotaPeriod(check["quota_period"]),
            period=check["period"],
            period_name=check["period_name"],
            min_hours=Decimal(check["min_hours"]),
            min_times=check["min_times"],
            hours=Decimal(check["hours"]),
            times=check["times"],
            met=check["met"],
        )


@strawberry.type(name="FeedbackGradeOption", description="一个等次能否评定；不能时说明原因")
class FeedbackGradeOptionType:
    grade: FeedbackGradeType = strawberry.field(description="等次")  # type: ignore[valid-type]
    grade_name: str = strawberry.field(description="等次（中文）")
    allowed: bool = strawberry.field(description="按本县规则能否评为该等次")
    reason: str | None = strawberry.field(description="不能评为该等次的原因")


@strawberry.type(
    name="FeedbackForm",
    description="在职党员服务社区表现反馈表：党员在报到社区一年（或报到期间）的服务情况，"
    "由平台记录预填，社区评定等次、签发后送达党员年末所在单位",
)
class FeedbackFormType(relay.Node):
    id: relay.NodeID[int]
    year: int = strawberry.field(description="年度")
    status: FeedbackFormStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    registered_on: date = strawberry.field(description="报到日期")
    covers_from: date = strawberry.field(description="反馈期间起（当年报到生效的第一天）")
    covers_to: date = strawberry.field(description="反馈期间止（迁出之日或年末）")
    activities_joined: int = strawberry.field(description="参加志愿活动次数（签到）")
    service_times: int = strawberry.field(description="已确认的服务次数")
    service_hours: Decimal = strawberry.field(description="已确认的服务时长（小时）")
    claims: int = strawberry.field(description="认领项目数")
    claims_completed: int = strawberry.field(description="完成的认领项目数")
    wishes_fulfilled: int = strawberry.field(description="实现的微心愿数（已确认）")
    whistle_responses: int = strawberry.field(description="响应吹哨报到次数（接受）")
    quota_met: bool = strawberry.field(description="反馈期间涉及的服务指标是否全部达标")
    quota_checks: list[FeedbackQuotaCheckType] = strawberry.field(description="各周期的服务指标")
    figures_at: datetime = strawberry.field(description="数据读取时间（签发后不再更新）")
    grade: FeedbackGradeType | None = strawberry.field(description="评定等次")  # type: ignore[valid-type]
    grade_name: str | None = strawberry.field(description="评定等次（中文）")
    comment: str | None = strawberry.field(description="社区评语")
    graded_at: datetime | None = strawberry.field(description="评定时间")
    graded_by_name: str | None = strawberry.field(description="评定人")
    signed_off_at: datetime | None = strawberry.field(description="签发时间")
    signed_off_by_name: str | None = strawberry.field(description="签发人（社区书记）")
    delivered_at: datetime | None = strawberry.field(description="送达单位的时间")
    acknowledged_at: datetime | None = strawberry.field(description="单位签收的时间")
    acknowledged_by_name: str | None = strawberry.field(description="单位签收人")
    reopened_count: int = strawberry.field(description="签发后被撤回（重新打开）的次数")
    model: strawberry.Private[FeedbackForm]

    @classmethod
    def from_model(cls, form: FeedbackForm) -> "FeedbackFormType":
        return cls(
            id=form.id,
            year=form.year,
            status=form.status,
            status_name=FORM_STATUS_NAMES[form.status],
            registered_on=form.registered_on,
            covers_from=form.covers_from,
            covers_to=form.covers_to,
            activities_joined=form.activities_joined,
            service_times=form.service_times,
            service_hours=form.service_hours,
            claims=form.claims,
            claims_completed=form.claims_completed,
            wishes_fulfilled=form.wishes_fulfilled,
            whistle_responses=form.whistle_responses,
            quota_met=form.quota_met,
            quota_checks=[FeedbackQuotaCheckType.of(c) for c in form.quota_checks],
            figures_at=form.figures_at,
            grade=form.grade,
            grade_name=None if form.grade is None else GRADE_NAMES[form.grade],
            comment=form.comment,
            graded_at=form.graded_at,
            graded_by_name=form.graded_by_name,
            signed_off_at=form.signed_off_at,
            signed_off_by_name=form.signed_off_by_name,
            delivered_at=form.delivered_at,
            acknowledged_at=form.acknowledged_at,
            acknowledged_by_name=form.acknowledged_by_name,
            reopened_count=form.reopened_count,
            model=form,
        )

    @strawberry.field(description="党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.model.member_id)

    @strawberry.field(description="党员姓名")
    async def member_name(self, info: Info[Context, None]) -> str:
        member = await info.context.loaders.member.load(self.model.member_id)
        return "" if member is None else member.name

    @strawberry.field(description="党员年末所在单位（反馈表送达该单位）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="填写反馈表的社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="各等次按本县规则能否评定，不能时的原因")
    async def grade_options(self, info: Info[Context, None]) -> list[FeedbackGradeOptionType]:
        rules = await assessment_loaders(info).year_rules.load(self.model.year)
        assert rules is not None
        return [
            FeedbackGradeOptionType(
                grade=option.grade,
                grade_name=GRADE_NAMES[option.grade],
                allowed=option.allowed,
                reason=option.reason,
            )
            for option in grade_options(self.model, rules)
        ]

    @strawberry.field(description="办理记录：生成、评定、签发、撤回、送达、签收，按时间先后")
    async def history(self, info: Info[Context, None]) -> list[AssessmentChangeType]:
        changes = await assessment_loaders(info).form_history.load(self.model.id)
        return [AssessmentChangeType.of(change) for change in changes]

    @strawberry.field(description="反馈表（PDF，A4，含社区盖章、单位签收处）")
    async def pdf(self, info: Info[Context, None]) -> Document:
        session = await info.context.uow.session()
        content = await documents.form_pdf(session, self.model)
        return Document.pdf(f"表现反馈表-{self.model.year}-{self.model.id}.pdf", content)


@strawberry.type(name="FeedbackProgress", description="社区一个年度反馈表的办理进度")
class FeedbackProgressType:
    year: int = strawberry.field(description="年度")
    registered: int = strawberry.field(description="当年在本社区报到的党员（报到记录）数")
    generated: int = strawberry.field(description="已生成的反馈表")
    drafts: int = strawberry.field(description="待签发")
    graded: int = strawberry.field(description="已评定等次")
    signed_off: int = strawberry.field(description="已签发、尚未送达")
    delivered: int = strawberry.field(description="已送达、尚未签收")
    acknowledged: int = strawberry.field(description="单位已签收")
    outstanding: int = strawberry.field(description="尚未签发（含尚未生成）的份数")
    deadline: date = strawberry.field(description="签发截止日")
    days_left: int = strawberry.field(description="距截止日的天数（已过为负数）")
    community_id: strawberry.Private[int]

    @classmethod
    def of(cls, progress: Progress) -> "FeedbackProgressType":
        count = progress.by_status.get
        return cls(
            year=progress.year,
            registered=progress.registered,
            generated=progress.generated,
            drafts=count(FormStatus.DRAFT, 0),
            graded=progress.graded,
            signed_off=count(FormStatus.SIGNED_OFF, 0),
            delivered=count(FormStatus.DELIVERED, 0),
            acknowledged=count(FormStatus.ACKNOWLEDGED, 0),
            outstanding=progress.outstanding,
            deadline=progress.deadline,
            days_left=progress.days_left,
            community_id=progress.community_id,
        )

    @strawberry.field(description="社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.community_id)
