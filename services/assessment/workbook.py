"""All the feedback forms of a unit's members for a year as one `.xlsx` workbook: one row
per form, the figures as numbers (so the unit can sum and sort them), the grade and
comment, and where the form stands."""

import io
from collections.abc import Sequence
from decimal import Decimal

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from services.assessment.grading import wanted_text
from services.assessment.models import FORM_STATUS_NAMES, FeedbackForm
from services.registry import repository as registry
from services.registry.models import Unit
from tenants.hierarchy import repository as hierarchy
from tenants.rules.model import GRADE_NAMES

SHEET = "表现反馈表"
# (header, width)
COLUMNS = (
    ("姓名", 10),
    ("报到社区", 16),
    ("报到日期", 12),
    ("反馈期间起", 12),
    ("反馈期间止", 12),
    ("参加活动（次）", 10),
    ("服务次数", 10),
    ("服务时长（小时）", 12),
    ("认领项目（个）", 10),
    ("完成项目（个）", 10),
    ("实现微心愿（个）", 10),
    ("响应吹哨（次）", 10),
    ("服务指标", 30),
    ("评定等次", 10),
    ("社区评语", 40),
    ("状态", 12),
)


def _quotas(form: FeedbackForm) -> str:
    if not form.quota_checks:
        return "未设指标"
    return "；".join(
        f"{c['period_name']}{'达标' if c['met'] else '未达标'}（要求 {wanted_text(c)}）"
        for c in form.quota_checks
    )


def write(unit: Unit, year: int, rows: Sequence[tuple[FeedbackForm, str, str]]) -> bytes:
    """The workbook of `rows`: (form, member's name, community's name)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([f"{unit.name} {year}年度在职党员服务社区表现反馈表汇总"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for form, member_name, community_name in rows:
        sheet.append(
            [
                member_name,
                community_name,
                form.registered_on,
                form.covers_from,
                form.covers_to,
                form.activities_joined,
                form.service_times,
                float(Decimal(form.service_hours)),
                form.claims,
                form.claims_completed,
                form.wishes_fulfilled,
                form.whistle_responses,
                _quotas(form),
                "" if form.grade is None else GRADE_NAMES[form.grade],
                form.comment or "",
                FORM_STATUS_NAMES[form.status],
            ]
        )
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=3, min_col=3, max_col=5):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B3"
    target = io.BytesIO()
    book.save(target)
    return target.getvalue()


async def unit_workbook(
    session: AsyncSession, unit: Unit, year: int, forms: Sequence[FeedbackForm]
) -> bytes:
    """The workbook of the unit's forms, ordered by community then name."""
    members = await registry.members_by_id(session, {f.member_id for f in forms})
    places = await hierarchy.get_many(session, list({f.community_id for f in forms}))
    rows = sorted(
        ((f, members[f.member_id].name, places[f.community_id].name) for f in forms),
        key=lambda row: (row[2], row[1], row[0].id),
    )
    return write(unit, year, rows)
