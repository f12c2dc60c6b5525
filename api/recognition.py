"""Queries and mutations of recognition campaigns (评选表彰)."""

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.pairing import optional
from api.registry import MEMBER, subtree
from api.results import MutationError, run_step
from api.types.recognition import CampaignStatusType, NominationType, RecognitionCampaignType
from policies.principal import Principal
from services.pairing import recognition, recognition_views
from services.pairing.recognition import CampaignDraft
from services.pairing.recognition_models import CampaignStatus, Nomination, RecognitionCampaign

CAMPAIGN = "RecognitionCampaign"
NOMINATION = "Nomination"


@strawberry.input(description="一次评选")
class RecognitionCampaignInput:
    node_id: relay.GlobalID = strawberry.field(description="评选范围：县（区）或乡镇（街道）")
    title: str = strawberry.field(description="评选名称，如 优秀在职党员（50 字以内）")
    criteria: str = strawberry.field(description="评选条件（2000 字以内）")
    closes_on: date = strawberry.field(description="推荐截止日期（含当天）")
    opens_on: date | None = strawberry.field(default=None, description="推荐开始日期；默认今天")

    def draft(self) -> CampaignDraft:
        return CampaignDraft(
            node_id=int_id(self.node_id, NODE, "nodeId"),
            title=self.title,
            criteria=self.criteria,
            closes_on=self.closes_on,
            opens_on=self.opens_on,
        )


@strawberry.type(description="评选已保存")
class RecognitionCampaignSuccess:
    campaign: RecognitionCampaignType


@strawberry.type(description="推荐已保存")
class NominationSuccess:
    nomination: NominationType


RecognitionCampaignResult = Annotated[
    RecognitionCampaignSuccess | MutationError, strawberry.union("RecognitionCampaignResult")
]
NominationResult = Annotated[
    NominationSuccess | MutationError, strawberry.union("NominationResult")
]


@strawberry.type
class RecognitionQuery:
    @strawberry.field(
        description="一次评选（所在县、街道的工作人员；其下可推荐的社区、单位和党员）"
    )
    async def recognition_campaign(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> RecognitionCampaignType:
        principal, session = await info.context.principal(), await info.context.session()
        found = await recognition_views.read_campaign(session, principal, int_id(id, CAMPAIGN))
        return RecognitionCampaignType.from_model(found)

    @strawberry.field(description="评选，新的在前（范围同 recognitionCampaign）")
    async def recognition_campaigns(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        status: CampaignStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[RecognitionCampaignType]:
        principal, session = await info.context.principal(), await info.context.session()
        result = await recognition_views.list_campaigns(
            session,
            principal,
            page(first, after),
            await subtree(info, within),
            None if status is None else CampaignStatus(status),
        )
        return connection(result, RecognitionCampaignType.from_model, lambda c: (c.id,))

    @strawberry.field(
        description="党员获得的表彰（已公布的评选中入选的），新的在前：本人，或有权查看其服务统计者"
    )
    async def recognitions(
        self,
        info: Info[Context, None],
        member_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="党员；不填为本人")
        ] = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[NominationType]:
        principal, session = await info.context.principal(), await info.context.session()
        result = await recognition_views.awards(
            session, principal, optional(member_id, MEMBER, "memberId"), page(first, after)
        )
        return connection(result, NominationType.from_model, lambda n: (n.id,))


def _campaign(found: RecognitionCampaign) -> RecognitionCampaignSuccess:
    return RecognitionCampaignSuccess(campaign=RecognitionCampaignType.from_model(found))


def _nomination(found: Nomination) -> NominationSuccess:
    return NominationSuccess(nomination=NominationType.from_model(found))


@strawberry.type
class RecognitionMutation:
    @strawberry.mutation(description="发起评选（县、街道工作人员）：名称、条件和推荐期")
    async def open_recognition_campaign(
        self, info: Info[Context, None], input: RecognitionCampaignInput
    ) -> RecognitionCampaignResult:
        async def step(session: AsyncSession, principal: Principal) -> RecognitionCampaignSuccess:
            return _campaign(await recognition.open_campaign(session, principal, input.draft()))

        return await run_step(info, step)

    @strawberry.mutation(
        description="推荐党员参加评选（推荐期内）：党员报到社区的工作人员，或党员所在单位的管理员"
    )
    async def nominate_for_recognition(
        self,
        info: Info[Context, None],
        campaign_id: relay.GlobalID,
        member_id: relay.GlobalID,
        reason: str,
    ) -> NominationResult:
        async def step(session: AsyncSession, principal: Principal) -> NominationSuccess:
            found = await recognition.nominate(
                session,
                principal,
                int_id(campaign_id, CAMPAIGN, "campaignId"),
                int_id(member_id, MEMBER, "memberId"),
                reason,
            )
            return _nomination(found)

        return await run_step(info, step)

    @strawberry.mutation(description="评审一名被推荐人：入选或未入选（评选所在县、街道的工作人员）")
    async def decide_nomination(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        selected: bool,
        note: str | None = None,
    ) -> NominationResult:
        async def step(session: AsyncSession, principal: Principal) -> NominationSuccess:
            found = await recognition.decide(
                session, principal, int_id(id, NOMINATION), selected=selected, note=note
            )
            return _nomination(found)

        return await run_step(info, step)

    @strawberry.mutation(description="公布评选结果（推荐截止后、全部评审完毕）：入选者记入其表彰")
    async def publish_recognition(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> RecognitionCampaignResult:
        async def step(session: AsyncSession, principal: Principal) -> RecognitionCampaignSuccess:
            return _campaign(await recognition.publish(session, principal, int_id(id, CAMPAIGN)))

        return await run_step(info, step)
