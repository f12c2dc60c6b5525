"""The 区划 sheet: townships, communities, compounds, buildings and grids by code."""

from dataclasses import dataclass

from sqlalchemy import insert, update

from infra.errors import DomainError
from policies.paths import child_path
from services.onboarding.cells import RowReader
from services.onboarding.run import ImportRun
from services.onboarding.workbook import DIVISIONS, SheetRows
from services.registry import fields
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, check_code_shape, check_parent

KINDS = {
    "街道": NodeKind.TOWNSHIP,
    "乡镇": NodeKind.TOWNSHIP,
    "乡": NodeKind.TOWNSHIP,
    "镇": NodeKind.TOWNSHIP,
    "社区": NodeKind.COMMUNITY,
    "村": NodeKind.COMMUNITY,
    "小区": NodeKind.COMPOUND,
    "楼栋": NodeKind.BUILDING,
    "网格": NodeKind.GRID,
} | {kind.value: kind for kind in NodeKind if kind is not NodeKind.COUNTY}


@dataclass
class DivisionRow:
    number: int
    code: str
    name: str
    kind: NodeKind
    parent_code: str | None


def kind(value: object) -> NodeKind:
    name = fields.text(value)
    if name in KINDS:
        return KINDS[name]
    if not name:
        raise fields.FieldProblem("不能为空")
    choices = "、".join(k for k in KINDS if not k.isascii())
    raise fields.FieldProblem(f"应为{choices}之一，收到“{name[:20]}”")


def _parse(run: ImportRun, rows: SheetRows) -> list[DivisionRow]:
    parsed: list[DivisionRow] = []
    seen: dict[str, int] = {}
    for number, row in rows.rows:
        reader = RowReader(run.report, rows, number, row)
        code = reader.cell("code", lambda v: fields.required_text(v, 32))
        name = reader.cell("name", fields.required_text)
        node_kind = reader.cell("kind", kind)
        parent_code = fields.text(reader.raw("parent_code")) or None
        if code is not None and code in seen:
            reader.problem("code", f"与第{seen[code]}行重复")
        if reader.ok and code is not None and name is not None and node_kind is not None:
            seen[code] = number
            parsed.append(DivisionRow(number, code, name, node_kind, parent_code))
    return parsed


async def import_divisions(run: ImportRun, rows: SheetRows) -> None:
    counts = run.report.sheet(DIVISIONS.name)
    parsed = _parse(run, rows)
    nodes = await run.nodes()
    by_code = {row.code: row for row in parsed}
    # Each new node with its parent, parents first.
    new_nodes: list[tuple[Node, Node]] = []
    renamed: list[dict[str, object]] = []
    done: set[str] = set()
    # Rows that could not be placed: their children are told so, once.
    failed: set[str] = set()

    def problem(row: DivisionRow, column: str | None, message: str) -> None:
        failed.add(row.code)
        run.report.problem(DIVISIONS.name, row.number, column, message)

    def place(row: DivisionRow, trail: tuple[str, ...]) -> None:
        """Settle `row` after its parent (rows may come in any order)."""
        if row.code in done:
            return
        done.add(row.code)
        parent_code = row.parent_code or run.county.code or ""
        if parent_code in by_code and parent_code not in trail:
            place(by_code[parent_code], (*trail, row.code))
        elif parent_code in trail:
            problem(row, "上级代码", "上下级关系形成循环")
            return
        if parent_code in failed:
            problem(row, "上级代码", f"上级 {parent_code} 所在行有误，请先更正该行")
            return
        parent = nodes.get(parent_code)
        if parent is None:
            if parent_code in run.planned_nodes:
                run.planned_nodes.add(row.code)
            else:
                problem(row, "上级代码", f"{parent_code} 在区划表和系统中都找不到")
            return
        try:
            check_parent(row.kind, parent)
            code = check_code_shape(row.code, row.kind, parent)
        except DomainError as error:
            problem(row, "上级代码" if error.field == "parentId" else "代码", error.message)
            return
        existing = nodes.get(code)
        if existing is not None:
            if existing.kind is not row.kind:
                problem(row, "类型", f"与系统中不同（系统中为{KIND_NAMES[existing.kind]}）")
            elif existing.parent_id != parent.id:
                problem(
                    row,
                    "上级代码",
                    "与系统中的上级不同：调整上级请在系统中移动该节点，不能通过导入",
                )
            elif existing.name != row.name:
                counts.updated += 1
                renamed.append(
                    {"tenant_id": existing.tenant_id, "id": existing.id, "name": row.name}
                )
            else:
                counts.unchanged += 1
            return
        counts.created += 1
        node = Node(
            tenant_id=run.county.tenant_id,
            id=0,
            kind=row.kind,
            code=code,
            name=row.name,
            parent_id=None,
            path="",
            status=NodeStatus.ACTIVE,
        )
        new_nodes.append((node, parent))
        nodes[code] = node

    for row in parsed:
        place(row, ())
    if not run.writing:
        return
    # Ids in one round trip, then parents and paths, parents first.
    ids = await hierarchy.next_ids(run.session, len(new_nodes)) if new_nodes else []
    for (node, parent), node_id in zip(new_nodes, ids, strict=True):
        node.id, node.parent_id = node_id, parent.id
        node.path = child_path(parent.path, node_id)
    if new_nodes:
        await run.session.execute(
            insert(Node),
            [
                {
                    "tenant_id": n.tenant_id,
                    "id": n.id,
                    "kind": n.kind,
                    "code": n.code,
                    "name": n.name,
                    "parent_id": n.parent_id,
                    "path": n.path,
                    "status": n.status,
                }
                for n, _ in new_nodes
            ],
        )
    if renamed:
        await run.session.execute(update(Node), renamed)
