"""Dashboards: a node's figures for a period with the drill-down into its children, a
monthly series, rankings, and the same as an `.xlsx` workbook."""

import base64
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.onboarding import XLSX
from api.types.dashboards import (
    ChildType,
    FiguresType,
    MonthType,
    PeriodType,
    RankType,
    Sort,
    sorted_children,
)
from api.types.hierarchy import HierarchyNodeType
from api.types.registration import Document
from services.dashboards import service
from services.dashboards.service import Overview
from services.dashboards.workbook import workbook
from services.scoring.periods import key

PERIOD = "时段：2026（全年）、2026-H1、2026-Q3 或 2026-11；不填为今年"
RANKED = 10


@strawberry.type(name="Dashboard", description="一个节点在一个时段的工作情况，可下钻到下级")
class DashboardType:
    node: HierarchyNodeType
    period: PeriodType
    figures: FiguresType = strawberry.field(description="本节点（含全部下级）的数字")
    at_node: FiguresType = strawberry.field(
        description="本级直属（居住在本节点本身的党员、本节点自己的活动等），不含下级"
    )
    overview: strawberry.Private[Overview]

    @strawberry.field(description="各下级节点的数字（县看乡镇街道，街道看社区，社区看小区）")
    def children(self, sort_by: Sort = Sort.NAME, descending: bool = False) -> list[ChildType]:
        return [
            ChildType.of(c) for c in sorted_children(self.overview.children, sort_by, descending)
        ]

    @strawberry.field(description="主要数字逐月（截至本时段最后一个月或本月的 12 个月）")
    async def series(self, info: Info[Context, None]) -> list[MonthType]:
        principal, session = await info.context.principal(), await info.context.session()
        months = await service.series(
            session, principal, self.overview.node.id, self.overview.period
        )
        return [MonthType.of(m) for m in months]

    @strawberry.field(description="驻在范围内的单位按本期服务时长排行")
    async def unit_ranking(self, info: Info[Context, None], first: int = RANKED) -> list[RankType]:
        principal, session = await info.context.principal(), await info.context.session()
        overview = self.overview
        ranked = await service.unit_ranking(
            session, principal, overview.node.id, overview.period, first
        )
        return RankType.of(ranked)

    @strawberry.field(description="居住在范围内的党员按本期服务时长排行（姓名按权限脱敏）")
    async def member_ranking(
        self, info: Info[Context, None], first: int = RANKED
    ) -> list[RankType]:
        principal, session = await info.context.principal(), await info.context.session()
        overview = self.overview
        ranked = await service.member_ranking(
            session, principal, overview.node.id, overview.period, first
        )
        return RankType.of(ranked)

    @strawberry.field(description="以上全部内容的 Excel 工作簿（概览、下级、月度、排行）")
    async def workbook(self, info: Info[Context, None]) -> Document:
        principal, session = await info.context.principal(), await info.context.session()
        overview = self.overview
        node_id, period = overview.node.id, overview.period
        content = workbook(
            overview,
            await service.series(session, principal, node_id, period),
            await service.unit_ranking(session, principal, node_id, period, service.RANKED_AT_MOST),
            await service.member_ranking(
                session, principal, node_id, period, service.RANKED_AT_MOST
            ),
        )
        return Document(
            filename=f"{overview.node.name}-{key(period)}-工作情况.xlsx",
            content_type=XLSX,
            content_base64=base64.b64encode(content).decode(),
        )


@strawberry.type
class DashboardQuery:
    @strawberry.field(
        description="工作情况看板：节点（含下级）在一个时段的各项数字，可下钻、看月度和排行、"
        "导出 Excel（本节点或上级的工作人员、审计员）"
    )
    async def dashboard(
        self,
        info: Info[Context, None],
        node_id: Annotated[relay.GlobalID, strawberry.argument(description="节点")],
        period: Annotated[str | None, strawberry.argument(description=PERIOD)] = None,
    ) -> DashboardType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await service.overview(
            session,
            principal,
            int_id(node_id, NODE, "nodeId"),
            service.parse_period(period),
        )
        return DashboardType(
            node=HierarchyNodeType.from_model(found.node),
            period=PeriodType.of(found.period),
            figures=FiguresType.of(found.figures),
            at_node=FiguresType.of(found.at_node),
            overview=found,
        )


@strawberry.type
class DashboardMutation:
    pass
