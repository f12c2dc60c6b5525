"""The printed forms: the member's feedback form (在职党员服务社区表现反馈表) and the unit
evaluation (单位党组织到社区报到服务评价表), each an A4 PDF with the community's seal area."""

import asyncio
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from services.assessment.grading import done_text, hours_text, wanted_text
from services.assessment.measures import COMMITMENT_KINDS
from services.assessment.models import (
    EVALUATION_STATUS_NAMES,
    FeedbackForm,
    UnitEvaluation,
)
from services.documents.pdf import Document, Field, Section, render
from services.registry.members import get_member
from services.registry.models import GENDER_NAMES
from services.registry.units import get_unit
from tenants.hierarchy.service import get_node, root
from tenants.rules.model import GRADE_NAMES

FORM_TITLE = "在职党员服务社区表现反馈表"
EVALUATION_TITLE = "单位党组织到社区报到服务评价表"
NOT_YET = "（未评定）"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def span(first: date, last: date) -> str:
    return f"{day(first)}至{day(last)}"


async def _render(document: Document) -> bytes:
    # Laying out and subsetting the fonts takes a CPU-second: off the event loop.
    return await asyncio.to_thread(render, document)


def form_document(
    form: FeedbackForm,
    *,
    county: str,
    community: str,
    member_name: str,
    gender: str,
    unit_name: str,
) -> Document:
    checks = tuple(
        (c["period_name"], wanted_text(c), done_text(c), "达标" if c["met"] else "未达标")
        for c in form.quota_checks
    )
    quota_table: tuple[tuple[str, ...], ...] = (
        (("周期", "要求至少", "完成", "结果"), *checks) if checks else ()
    )
    grade = NOT_YET if form.grade is None else GRADE_NAMES[form.grade]
    return Document(
        title=FORM_TITLE,
        subtitle=f"{county}　{form.year}年度",
        sections=(
            Section(
                heading="一、党员信息",
                fields=(
                    Field("姓名", f"{member_name}（{gender}）"),
                    Field("工作单位", unit_name),
                    Field("报到社区", community),
                    Field("报到日期", day(form.registered_on)),
                    Field("反馈期间", span(form.covers_from, form.covers_to)),
                ),
            ),
            Section(
                heading="二、服务情况（据平台记录）",
                fields=(
                    Field("参加志愿活动", f"{form.activities_joined} 次"),
                    Field(
                        "志愿服务",
                        f"{form.service_times} 次，共 {hours_text(form.service_hours)} 小时",
                    ),
                    Field("认领项目", f"{form.claims} 个，完成 {form.claims_completed} 个"),
                    Field("实现微心愿", f"{form.wishes_fulfilled} 个"),
                    Field("响应吹哨报到", f"{form.whistle_responses} 次"),
                ),
            ),
            Section(heading="三、服务指标完成情况", table=quota_table, aligns=("L", "L", "L", "C"))
            if quota_table
            else Section(heading="三、服务指标完成情况", paragraphs=("本县未设党员服务指标。",)),
            Section(
                heading="四、社区评定",
                fields=(
                    Field("评定等次", grade),
                    Field("社区评语", form.comment or "—"),
                ),
                closing=(f"{community}党组织", day(form.signed_off_at)),
                closing_seal="（盖章）",
            ),
        ),
        footer=f"{FORM_TITLE}　{community}　{form.year}年度",
    )


async def form_pdf(session: AsyncSession, form: FeedbackForm) -> bytes:
    member = await get_member(session, form.member_id)
    unit = await get_unit(session, form.unit_id)
    community = await get_node(session, form.community_id)
    document = form_document(
        form,
        county=(await root(session)).name,
        community=community.name,
        member_name=member.name,
        gender=GENDER_NAMES[member.gender],
        unit_name=unit.name,
    )
    return await _render(document)


def evaluation_document(
    evaluation: UnitEvaluation, *, county: str, community: str, unit_name: str
) -> Document:
    rows = tuple(
        (m["label"], m["reason"].rsplit("，得", 1)[0], str(m["weight"]), m["points"])
        for m in evaluation.measures
    )
    table = (
        ("项目", "完成情况", "权重", "得分"),
        *rows,
        ("合计", "", "100", str(evaluation.score)),
    )
    promised = tuple(
        (str(i), COMMITMENT_KINDS[c["kind"]], c["text"], "已履行" if c["met"] else "未履行")
        for i, c in enumerate(evaluation.commitments, start=1)
    )
    return Document(
        title=EVALUATION_TITLE,
        subtitle=f"{county}　{evaluation.year}年度",
        sections=(
            Section(
                heading="一、基本情况",
                fields=(
                    Field("单位党组织", unit_name),
                    Field("报到社区", community),
                    Field("评价期间", span(evaluation.covers_from, evaluation.covers_to)),
                    Field("综合得分", f"{evaluation.score} 分"),
                    Field("状态", EVALUATION_STATUS_NAMES[evaluation.status]),
                ),
            ),
            Section(
                heading="二、评价项目与得分",
                table=table,
                widths=(2.4, 5.6, 1.2, 1.4),
                aligns=("L", "L", "R", "R"),
            ),
            Section(
                heading="三、共驻共建协议承诺履行情况",
                table=(("序号", "类别", "承诺内容", "履行情况"), *promised),
                widths=(1.2, 1.8, 5.6, 1.6),
                aligns=("C", "L", "L", "C"),
            )
            if promised
            else Section(heading="三、共驻共建协议承诺履行情况", paragraphs=("无协议承诺。",)),
            Section(
                heading="四、社区意见",
                paragraphs=(evaluation.comment or "—",),
                closing=(f"{community}党组织", day(evaluation.signed_off_at)),
                closing_seal="（盖章）",
            ),
        ),
        footer=f"{EVALUATION_TITLE}　{unit_name}　{evaluation.year}年度",
    )


async def evaluation_pdf(session: AsyncSession, evaluation: UnitEvaluation) -> bytes:
    unit = await get_unit(session, evaluation.unit_id)
    community = await get_node(session, evaluation.community_id)
    document = evaluation_document(
        evaluation,
        county=(await root(session)).name,
        community=community.name,
        unit_name=unit.name,
    )
    return await _render(document)
