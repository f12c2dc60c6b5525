"""Recognition campaigns, nominations with the data behind each nominee, and a member's
awards, as clients see them."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.pairing import member_name, member_of
from api.types.registry import MemberType, UnitType, load_unit
from infra.clock import today
from services.pairing import recognition_views
from services.pairing.recognition_models import (
    CAMPAIGN_STATUS_NAMES,
    NOMINATION_STATUS_NAMES,
    CampaignStatus,
    Nomination,
    NominationStatus,
    RecognitionCampaign,
)
from services.pairing.recognition_views import Evidence

CENT = Decimal("0.01")

CampaignStatusType = strawberry.enum(
    CampaignStatus, name="RecognitionCampaignStatus", description="评选状态：评选中、已公布"
)
NominationStatusType = strawberry.enum(
    NominationStatus, name="NominationStatus", description="推荐状态：待评审、入选、未入选"
)


@strawberry.type(
    name="NomineeEvidence",
    description="被推荐人的实绩：已确认的服务时长、次数、积分，星级，走访与结对住户"
    "（年度表现反馈等级尚未建立，暂不显示）",
)
class NomineeEvidenceType:
    year: int = strawberry.field(description="评选年度（推荐截止日期所在年）")
    all_time_hours: Decimal = strawberry.field(description="累计已确认服务时长（小时）")
    all_time_times: int = strawberry.field(description="累计已确认服务次数")
    year_hours: Decimal = strawberry.field(description="本年度已确认服务时长（小时）")
    year_times: int = strawberry.field(description="本年度已确认服务次数")
    year_points: Decimal = strawberry.field(description="本年度积分")
    star_level: int = strawberry.field(description="星级（0 为尚未评星）")
    visits: int = strawberry.field(description="本年度入户走访次数")
    households_paired: int = strawberry.field(description="目前结对帮扶的住户数")

    @classmethod
    def of(cls, found: Evidence) -> "NomineeEvidenceType":
        return cls(
            year=found.year,
            all_time_hours=found.all_time_hours.quantize(CENT, ROUND_HALF_UP),
            all_time_times=found.all_time_times,
            year_hours=found.year_hours,
            year_times=found.year_times,
            year_points=found.year_points.quantize(CENT, ROUND_HALF_UP),
            star_level=found.star_level,
            visits=found.visits,
            households_paired=found.households_paired,
        )


@strawberry.type(name="Nomination", description="评选中的一名被推荐人：推荐理由、实绩与评审结果")
class NominationType(relay.Node):
    id: relay.NodeID[int]
    reason: str = strawberry.field(description="推荐理由")
    status: NominationStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    nominated_by: str = strawberry.field(description="推荐人")
    nominated_at: datetime = strawberry.field(description="推荐时间")
    decided_by: str | None = strawberry.field(description="评审人")
    decided_at: datetime | None = strawberry.field(description="评审时间")
    decision_note: str | None = strawberry.field(description="评审意见")
    model: strawberry.Private[Nomination]

    @classmethod
    def from_model(cls, row: Nomination) -> "NominationType":
        return cls(
            id=row.id,
            reason=row.reason,
            status=row.status,
            status_name=NOMINATION_STATUS_NAMES[row.status],
            nominated_by=row.nominated_by_name,
            nominated_at=row.nominated_at,
            decided_by=row.decided_by_name,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            model=row,
        )

    @strawberry.field(description="被推荐的党员（仅有权在名册中查看者可见，否则为空）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await member_of(info, self.model.member_id)

    @strawberry.field(description="被推荐党员的姓名（无权查看该党员时打码）")
    async def member_name(self, info: Info[Context, None]) -> str | None:
        return await member_name(info, self.model.member_id)

    @strawberry.field(description="被推荐党员报到的社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="推荐的单位党组织（由社区推荐时为空）")
    async def nominating_unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.nominated_by_unit_id)

    @strawberry.field(description="所属评选")
    async def campaign(self, info: Info[Context, None]) -> "RecognitionCampaignType | None":
        found = await info.context.loaders.pairing.campaign.load(self.model.campaign_id)
        return None if found is None else RecognitionCampaignType.from_model(found)

    @strawberry.field(description="被推荐人的实绩（推荐截止日期所在年度），供评审参考")
    async def evidence(self, info: Info[Context, None]) -> NomineeEvidenceType:
        campaign = await info.context.loaders.pairing.campaign.load(self.model.campaign_id)
        year = today().year if campaign is None else campaign.closes_on.year
        found = await info.context.loaders.pairing.evidence.load((self.model.member_id, year))
        return NomineeEvidenceType.of(found)


@strawberry.type(
    name="RecognitionCampaign",
    description="评选表彰（优秀在职党员、最美志愿者等）：县或街道组织，社区、单位推荐，评审后公布",
)
class RecognitionCampaignType(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="评选名称")
    criteria: str = strawberry.field(description="评选条件")
    opens_on: date = strawberry.field(description="推荐开始日期")
    closes_on: date = strawberry.field(description="推荐截止日期")
    nominating: bool = strawberry.field(description="今天是否在推荐期内")
    status: CampaignStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    created_by: str = strawberry.field(description="发起人")
    created_at: datetime = strawberry.field(description="发起时间")
    published_at: datetime | None = strawberry.field(description="结果公布时间")
    model: strawberry.Private[RecognitionCampaign]

    @classmethod
    def from_model(cls, row: RecognitionCampaign) -> "RecognitionCampaignType":
        open_now = row.status is CampaignStatus.OPEN and row.opens_on <= today() <= row.closes_on
        return cls(
            id=row.id,
            title=row.title,
            criteria=row.criteria,
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            nominating=open_now,
            status=row.status,
            status_name=CAMPAIGN_STATUS_NAMES[row.status],
            created_by=row.created_by_name,
            created_at=row.created_at,
            published_at=row.published_at,
            model=row,
        )

    @strawberry.field(description="评选范围（县或街道）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="调用者能否评审全部推荐（评选所在县或街道的工作人员）")
    async def may_review(self, info: Info[Context, None]) -> bool:
        return recognition_views.reviews(await info.context.principal(), self.model)

    @strawberry.field(
        description="推荐名单（评审人看全部；社区看本社区的；单位看本单位推荐的和本单位党员的）"
    )
    async def nominations(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        status: NominationStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[NominationType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        chosen = None if status is None else NominationStatus(status)
        result = await recognition_views.list_nominations(
            session, principal, self.model, page(first, after), chosen
        )
        return connection(result, NominationType.from_model, lambda n: (n.id,))
