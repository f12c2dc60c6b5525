"""Recognition campaigns (优秀在职党员, 最美志愿者 …): a county or a street runs a selection
with a title, criteria and a nomination window; within the window the community where a
member is registered, or the member's unit, nominates them; a reviewer at the campaign's
place decides each nomination; once the window has closed and every nomination is
decided the results are published — `recognition.published`, and one
`recognition.awarded` per member selected, which shows on the member's record.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from policies import access
from policies.paths import is_within
from policies.principal import Principal
from services.events.service import record_step
from services.pairing import inputs, places
from services.pairing import recognition_repository as repository
from services.pairing.errors import (
    AlreadyNominated,
    CampaignClosed,
    CampaignNotFound,
    InvalidCampaign,
    NominationClosed,
    NominationNotFound,
    NomineeOutsideCampaign,
)
from services.pairing.inputs import clean_campaign, clean_nomination, day
from services.pairing.recognition_models import (
    CampaignStatus,
    Nomination,
    NominationStatus,
    RecognitionCampaign,
)
from services.registration import standing
from tenants.hierarchy.models import NodeKind
from tenants.hierarchy.service import ref

RESOURCE = "recognition"
CAMPAIGN_PLACES = (NodeKind.COUNTY, NodeKind.TOWNSHIP)
CRITERIA_MAX_LENGTH = 2000
NOMINATION_REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 200


@dataclass(frozen=True)
class CampaignDraft:
    node_id: int
    title: object
    criteria: object
    closes_on: date
    opens_on: date | None = None


def here(campaign: RecognitionCampaign) -> tuple[int, str]:
    return campaign.node_id, campaign.scope_path


def _campaign(campaign: RecognitionCampaign) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "node_id": campaign.node_id,
        "title": campaign.title,
        "opens_on": campaign.opens_on.isoformat(),
        "closes_on": campaign.closes_on.isoformat(),
        "status": campaign.status.value,
    }


def _nomination(nomination: Nomination) -> dict[str, Any]:
    return {
        "nomination_id": nomination.id,
        "member_id": nomination.member_id,
        "community_id": nomination.node_id,
        "nominated_by_unit_id": nomination.nominated_by_unit_id,
        "nomination_status": nomination.status.value,
    }


async def _log(
    session: AsyncSession,
    principal: Principal,
    campaign: RecognitionCampaign,
    step: str,
    *,
    nomination: Nomination | None = None,
    **more: Any,
) -> None:
    node = here(campaign) if nomination is None else (nomination.node_id, nomination.scope_path)
    await record_step(
        session,
        principal,
        type=f"recognition.{step}",
        node=node,
        object_type=RESOURCE if nomination is None else "nomination",
        object_id=campaign.id if nomination is None else nomination.id,
        payload={
            **_campaign(campaign),
            **({} if nomination is None else _nomination(nomination)),
            **more,
        },
    )


async def get_campaign(
    session: AsyncSession, campaign_id: int, *, lock: bool = False, field: str = "id"
) -> RecognitionCampaign:
    found = await repository.get_campaign(session, campaign_id, lock=lock)
    if found is None:
        raise CampaignNotFound("未找到该评选", field=field)
    return found


async def open_campaign(
    session: AsyncSession, principal: Principal, draft: CampaignDraft
) -> RecognitionCampaign:
    place = await places.node(session, draft.node_id, field="nodeId")
    access.require(session, principal, resource=RESOURCE, action="run", node=ref(place))
    places.check_kind(place, CAMPAIGN_PLACES, InvalidCampaign, "评选范围", field="nodeId")
    title = inputs.required_text(clean_campaign, "title", draft.title, inputs.TITLE_MAX_LENGTH)
    criteria = inputs.required_text(clean_campaign, "criteria", draft.criteria, CRITERIA_MAX_LENGTH)
    opens_on = today() if draft.opens_on is None else draft.opens_on
    if draft.closes_on < opens_on:
        raise InvalidCampaign("「推荐截止日期」不能早于「推荐开始日期」", field="closesOn")
    if draft.closes_on < today():
        raise InvalidCampaign("「推荐截止日期」不能早于今天", field="closesOn")
    campaign = RecognitionCampaign(
        tenant_id=bound_tenant(session),
        node_id=place.id,
        scope_path=place.path,
        title=title,
        criteria=criteria,
        opens_on=opens_on,
        closes_on=draft.closes_on,
        status=CampaignStatus.OPEN,
        created_by=principal.account_id,
        created_by_name=principal.name,
    )
    session.add(campaign)
    await session.flush()
    await _log(session, principal, campaign, "opened")
    return campaign


def _window(campaign: RecognitionCampaign) -> None:
    if campaign.status is CampaignStatus.PUBLISHED:
        raise NominationClosed(
            f"「{campaign.title}」评选结果已公布，不能再推荐", field="campaignId"
        )
    if today() < campaign.opens_on:
        raise NominationClosed(
            f"「{campaign.title}」{day(campaign.opens_on)}开始推荐，现在还不能推荐",
            field="campaignId",
        )
    if today() > campaign.closes_on:
        raise NominationClosed(
            f"「{campaign.title}」推荐已于{day(campaign.closes_on)}截止，不能再推荐",
            field="campaignId",
        )


async def nominate(
    session: AsyncSession, principal: Principal, campaign_id: int, member_id: int, reason: object
) -> Nomination:
    """The community where the member is registered, or the member's unit, nominates."""
    campaign = await get_campaign(session, campaign_id, lock=True, field="campaignId")
    member = await places.active_member(session, member_id, field="memberId")
    community_id = await standing.member_community(session, member.id)
    if community_id is None:
        raise NomineeOutsideCampaign(
            f"党员{member.name}尚未在社区报到，不能被推荐", field="memberId"
        )
    community = await places.node(session, community_id, field="memberId")
    by_unit = principal.unit_id is not None and principal.unit_id == member.unit_id
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="nominate",
        node=ref(community),
        object_id=str(campaign.id),
        owned=by_unit,
    )
    if not is_within(community.path, campaign.scope_path):
        raise NomineeOutsideCampaign(
            f"党员{member.name}报到的“{community.name}”不在本次评选的范围内", field="memberId"
        )
    _window(campaign)
    cleaned = inputs.required_text(clean_nomination, "reason", reason, NOMINATION_REASON_MAX_LENGTH)
    if await repository.nomination_of(session, campaign.id, member.id) is not None:
        raise AlreadyNominated(
            f"党员{member.name}已被推荐参加「{campaign.title}」", field="memberId"
        )
    staff = access.may(principal, community.path, RESOURCE, "nominate")
    nomination = Nomination(
        tenant_id=bound_tenant(session),
        campaign_id=campaign.id,
        member_id=member.id,
        node_id=community.id,
        scope_path=community.path,
        nominated_by_unit_id=None if staff else principal.unit_id,
        reason=cleaned,
        status=NominationStatus.NOMINATED,
        nominated_by=principal.account_id,
        nominated_by_name=principal.name,
    )
    session.add(nomination)
    await session.flush()
    await _log(session, principal, campaign, "nominated", nomination=nomination)
    return nomination


async def decide(
    session: AsyncSession, principal: Principal, nomination_id: int, *, selected: bool, note: object
) -> Nomination:
    nomination = await repository.get_nomination(session, nomination_id, lock=True)
    if nomination is None:
        raise NominationNotFound("未找到该推荐", field="id")
    campaign = await get_campaign(session, nomination.campaign_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="decide",
        node=here(campaign),
        object_id=str(campaign.id),
    )
    cleaned = inputs.optional_text(clean_nomination, "note", note, NOTE_MAX_LENGTH)
    if campaign.status is CampaignStatus.PUBLISHED:
        raise CampaignClosed("评选结果已公布，不能再评审", field="id")
    nomination.status = NominationStatus.SELECTED if selected else NominationStatus.NOT_SELECTED
    nomination.decided_by, nomination.decided_by_name = principal.account_id, principal.name
    nomination.decided_at, nomination.decision_note = now(), cleaned
    await session.flush()
    await _log(session, principal, campaign, "decided", nomination=nomination, note=cleaned)
    return nomination


async def publish(
    session: AsyncSession, principal: Principal, campaign_id: int
) -> RecognitionCampaign:
    """Publish the results once nominations have closed and each one is decided."""
    campaign = await get_campaign(session, campaign_id, lock=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="run",
        node=here(campaign),
        object_id=str(campaign.id),
    )
    if campaign.status is CampaignStatus.PUBLISHED:
        raise CampaignClosed("评选结果已公布", field="id")
    if today() <= campaign.closes_on:
        raise CampaignClosed(f"推荐{day(campaign.closes_on)}截止，截止后才能公布结果", field="id")
    waiting = await repository.undecided(session, campaign.id)
    if waiting:
        raise CampaignClosed(f"还有 {waiting} 名被推荐人未评审，评审完毕后才能公布", field="id")
    campaign.status, campaign.published_at = CampaignStatus.PUBLISHED, now()
    campaign.published_by = principal.account_id
    await session.flush()
    chosen = await repository.selected(session, campaign.id)
    await _log(
        session, principal, campaign, "published", selected_member_ids=[n.member_id for n in chosen]
    )
    for nomination in chosen:
        await _log(session, principal, campaign, "awarded", nomination=nomination)
    return campaign
