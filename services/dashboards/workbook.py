"""A dashboard as an `.xlsx` workbook: the node's figures, the drill-down (one row per
child, and the node's own), the monthly series and the rankings — the numbers the
GraphQL dashboard gives, sheet by sheet."""

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from services.dashboards.figures import Figures
from services.dashboards.service import Month, Overview, Ranked
from services.scoring.periods import key

# Each figure's column: its heading, and how it reads off the figures.
FIGURES: list[tuple[str, Callable[[Figures], Any]]] = [
    ("驻区单位", lambda f: f.units),
    ("已报到单位", lambda f: f.units_registered),
    ("单位考核达标", lambda f: f.units_compliant),
    ("居住党员", lambda f: f.members),
    ("已报到党员", lambda f: f.members_registered),
    ("活跃党员（本期有确认服务）", lambda f: f.active_members),
    ("确认服务时长（小时）", lambda f: f.hours),
    ("确认服务记录", lambda f: f.records),
    ("党员考核达标", lambda f: f.members_compliant),
    ("举办活动", lambda f: f.activities_held),
    ("单位集体活动", lambda f: f.collective_activities),
    ("发布项目", lambda f: f.projects_published),
    ("项目认领", lambda f: f.projects_claimed),
    ("收集需求", lambda f: f.needs_raised),
    ("解决需求", lambda f: f.needs_resolved),
    ("需求解决时长中位数（小时）", lambda f: f.median_hours_to_resolve),
    ("发布微心愿", lambda f: f.wishes_posted),
    ("实现微心愿", lambda f: f.wishes_fulfilled),
    ("吹哨次数", lambda f: f.whistle_calls),
    ("吹哨召集人次", lambda f: f.whistle_asked),
    ("吹哨响应人次", lambda f: f.whistle_answered),
    ("吹哨响应时长中位数（分钟）", lambda f: f.median_minutes_to_respond),
    *[(f"{n}星志愿者", lambda f, n=n: f.stars[n - 1]) for n in range(1, 6)],
]
MONTH_COLUMNS: list[tuple[str, Callable[[Month], Any]]] = [
    ("月份", lambda m: m.key),
    ("活跃党员", lambda m: m.active_members),
    ("确认服务时长（小时）", lambda m: m.hours),
    ("确认服务记录", lambda m: m.records),
    ("举办活动", lambda m: m.activities_held),
    ("收集需求", lambda m: m.needs_raised),
    ("解决需求", lambda m: m.needs_resolved),
    ("实现微心愿", lambda m: m.wishes_fulfilled),
    ("吹哨次数", lambda m: m.whistle_calls),
]
BOLD = Font(bold=True)


def _cell(value: Any) -> Any:
    """Numbers as numbers (hours keep their two places), nothing as an empty cell."""
    return float(value) if isinstance(value, Decimal) else value


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2), 40)


def workbook(
    overview: Overview, series: list[Month], units: list[Ranked], members: list[Ranked]
) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    name, period = overview.node.name, key(overview.period)
    _sheet(
        book,
        "概览",
        ["指标", f"{name}（{period}）"],
        [[label, read(overview.figures)] for label, read in FIGURES],
    )
    labels = [label for label, _ in FIGURES]
    rows = [
        [child.node.name, *(read(child.figures) for _, read in FIGURES)]
        for child in overview.children
    ]
    rows.append([f"{name}本级", *(read(overview.at_node) for _, read in FIGURES)])
    rows.append(["合计", *(read(overview.figures) for _, read in FIGURES)])
    _sheet(book, "下级", ["下级", *labels], rows)
    _sheet(
        book,
        "月度",
        [label for label, _ in MONTH_COLUMNS],
        [[read(m) for _, read in MONTH_COLUMNS] for m in series],
    )
    ranked = ["名次", "名称", "服务时长（小时）", "服务次数"]
    _sheet(
        book, "单位排行", ranked, [[i + 1, r.name, r.hours, r.times] for i, r in enumerate(units)]
    )
    _sheet(
        book, "党员排行", ranked, [[i + 1, r.name, r.hours, r.times] for i, r in enumerate(members)]
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
