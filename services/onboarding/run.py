"""One import as it runs: what it may write, and the county as the import sees it."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.personal_data import PersonalData
from policies.principal import Principal
from services.identity.credentials import IdentityConfig
from services.onboarding.cells import RowReader
from services.onboarding.report import ImportReport
from services.registry import fields
from services.registry.models import RegistryStatus, Unit
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind


@dataclass(frozen=True)
class KnownUnit:
    id: int
    status: RegistryStatus


@dataclass
class ImportRun:
    session: AsyncSession
    principal: Principal
    personal: PersonalData
    identity: IdentityConfig
    report: ImportReport
    county: Node
    _nodes: dict[str, Node] | None = None
    _units: dict[str, KnownUnit] | None = None
    # Codes the workbook defines that were not written (a problem stopped the writing):
    # later rows may still refer to them without being told they are unknown.
    planned_nodes: set[str] = field(default_factory=set)
    planned_units: set[str] = field(default_factory=set)

    @property
    def writing(self) -> bool:
        """Rows are written until the first problem; after it they are only checked,
        and the whole import is rolled back."""
        return self.report.problem_count == 0

    async def nodes(self) -> dict[str, Node]:
        """The county's nodes by code (those written by this import included)."""
        if self._nodes is None:
            every = await hierarchy.every_node(self.session)
            self._nodes = {node.code: node for node in every if node.code}
        return self._nodes

    async def node(
        self, reader: RowReader, key: str, kinds: tuple[NodeKind, ...] | None = None
    ) -> Node | None:
        """The node whose code is in the row's `key` column, of one of `kinds` if given;
        None (with the problem reported) when there is none, unless the workbook defines
        it and a problem kept it from being written."""
        code = fields.text(reader.raw(key))
        if not code:
            reader.problem(key, "不能为空")
            return None
        node = (await self.nodes()).get(code)
        if node is None:
            if code not in self.planned_nodes:
                reader.problem(key, f"{code} 在区划表和系统中都找不到")
            return None
        if kinds is not None and node.kind not in kinds:
            wanted = "社区（村）或小区" if NodeKind.COMPOUND in kinds else "社区（村）"
            reader.problem(key, f"“{node.name}”（{code}）不是{wanted}")
            return None
        return node

    async def units(self) -> dict[str, KnownUnit]:
        if self._units is None:
            rows = await self.session.execute(select(Unit.credit_code, Unit.id, Unit.status))
            self._units = {code: KnownUnit(id, status) for code, id, status in rows}
        return self._units
