"""Queries of scoring: members' and units' totals, star levels, quotas and the at-risk
lists."""

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.types.scores import (
    AtRiskMemberType,
    AtRiskUnitType,
    MemberScoreType,
    MyQuotaStandingType,
    QuotaStandingType,
    UnitScoreType,
)
from services.scoring import quotas, views

YEAR = "年份；不填为今年"
WITHIN = "只看此节点及其下级（党员按居住地，单位按所在社区）"


@strawberry.type
class ScoreQuery:
    @strawberry.field(
        description="党员的积分、星级和考核完成情况：累计及一年各时段（党员本人、本单位管理员，"
        "或有权查看其考核情况的工作人员）"
    )
    async def member_score(
        self,
        info: Info[Context, None],
        member_id: relay.GlobalID,
        year: Annotated[int | None, strawberry.argument(description=YEAR)] = None,
    ) -> MemberScoreType:
        principal, session = await info.context.principal(), await info.context.session()
        member = int_id(member_id, MEMBER, "memberId")
        return MemberScoreType.of(await views.member_score(session, principal, member, year))

    @strawberry.field(
        description="单位党组织的服务统计和考核完成情况：累计及一年各时段（本单位管理员，或有权"
        "查看其考核情况的工作人员）"
    )
    async def unit_score(
        self,
        info: Info[Context, None],
        unit_id: relay.GlobalID,
        year: Annotated[int | None, strawberry.argument(description=YEAR)] = None,
    ) -> UnitScoreType:
        principal, session = await info.context.principal(), await info.context.session()
        unit = int_id(unit_id, UNIT, "unitId")
        return UnitScoreType.of(await views.unit_score(session, principal, unit, year))

    @strawberry.field(description="本人（党员）在本县当前各考核周期的完成情况与预警")
    async def my_quota_standing(self, info: Info[Context, None]) -> MyQuotaStandingType:
        principal, session = await info.context.principal(), await info.context.session()
        member, standings = await quotas.my_standing(session, principal)
        return MyQuotaStandingType(
            quotas=[QuotaStandingType.of(s) for s in standings],
            at_risk=any(s.at_risk for s in standings),
            member_id=member.id,
        )

    @strawberry.field(
        description="落后于考核进度的在册党员（预警名单）：应完成量 = 指标 × 本周期已过时间的"
        "比例；工作人员看其范围内的，单位管理员看本单位的"
    )
    async def at_risk_members(
        self,
        info: Info[Context, None],
        within: Annotated[relay.GlobalID | None, strawberry.argument(description=WITHIN)] = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[AtRiskMemberType]:
        principal, session = await info.context.principal(), await info.context.session()
        found = await quotas.at_risk_members(
            session, principal, await subtree(info, within), page(first, after)
        )
        return connection(found, AtRiskMemberType.of, lambda row: (row.subject.id,))

    @strawberry.field(
        description="落后于考核进度的在册单位党组织（每季度集体服务活动、每年认领项目）；工作"
        "人员看其范围内的，单位管理员看本单位"
    )
    async def at_risk_units(
        self,
        info: Info[Context, None],
        within: Annotated[relay.GlobalID | None, strawberry.argument(description=WITHIN)] = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[AtRiskUnitType]:
        principal, session = await info.context.principal(), await info.context.session()
        found = await quotas.at_risk_units(
            session, principal, await subtree(info, within), page(first, after)
        )
        return connection(found, AtRiskUnitType.of, lambda row: (row.subject.id,))
