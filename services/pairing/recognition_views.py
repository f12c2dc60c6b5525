"""Reading campaigns, nominations, the data behind each nominee, and a member's awards.

A campaign is seen by staff within whose subtree it lies, and by those below it who may
nominate: staff of its communities, and the units and members registered in them. Its
nominations: all of them by those who may read at the campaign's place (its reviewers);
otherwise those of the communities in the caller's subtree, and a unit's or member's own.
"""

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.pagination import Page, PageOf
from policies import access
from policies.enforcer import default_permissions
from policies.paths import ancestor_paths
from policies.principal import Principal
from services.pairing import recognition_repository as repository
from services.pairing import visit_repository
from services.pairing.recognition import RESOURCE, get_campaign
from services.pairing.recognition_models import (
    CampaignStatus,
    Nomination,
    NominationStatus,
    RecognitionCampaign,
)
from services.pairing.repository import members_owned
from services.registration import standing
from services.registry.errors import MemberNotFound
from services.registry.repository import get_member
from services.scoring import months
from services.scoring import repository as scores
from services.scoring.periods import of_year
from services.scoring.quotas import require_member
from tenants.hierarchy import repository as hierarchy


def _reach(paths: Collection[str]) -> set[str]:
    """The paths of these nodes and every node above them."""
    return {p for path in paths for p in (*ancestor_paths(path), path)}


async def _reached(session: AsyncSession, principal: Principal) -> set[str]:
    """Campaigns at or above these paths concern the caller: where its grants to read
    campaigns lie, and where its unit or it as a member is registered."""
    permissions = default_permissions()
    paths = [
        grant.path for grant in principal.grants if permissions.allows(grant.role, RESOURCE, "read")
    ]
    if access.may_own(principal, RESOURCE, "read"):
        communities = await standing.principal_communities(session, principal)
        nodes = await hierarchy.get_many(session, sorted(communities))
        paths += [node.path for node in nodes.values()]
    return _reach(paths)


async def list_campaigns(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    within: str | None,
    status: CampaignStatus | None,
) -> PageOf[RecognitionCampaign]:
    scope = access.scope(principal, RESOURCE, "read", RecognitionCampaign.scope_path)
    reached = await _reached(session, principal)
    visible = or_(scope, RecognitionCampaign.scope_path.in_(sorted(reached))) if reached else scope
    return await repository.campaigns_page(session, visible, page, within, status)


async def read_campaign(
    session: AsyncSession, principal: Principal, campaign_id: int
) -> RecognitionCampaign:
    campaign = await get_campaign(session, campaign_id)
    concerned = campaign.scope_path in await _reached(session, principal)
    if not concerned:
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="read",
            node=(campaign.node_id, campaign.scope_path),
            object_id=str(campaign.id),
        )
    return campaign


def reviews(principal: Principal, campaign: RecognitionCampaign) -> bool:
    """Whether the caller sees every nomination of the campaign (its place's staff)."""
    return access.may(principal, campaign.scope_path, RESOURCE, "read")


def _visible(principal: Principal, campaign: RecognitionCampaign) -> ColumnElement[bool]:
    if reviews(principal, campaign):
        return Nomination.id.is_not(None)
    own = or_(
        Nomination.member_id.in_(members_owned(principal.unit_id, principal.member_id)),
        Nomination.nominated_by_unit_id == principal.unit_id
        if principal.unit_id is not None
        else Nomination.id.is_(None),
    )
    return access.scope_or_own(principal, RESOURCE, "read", Nomination.scope_path, own)


async def list_nominations(
    session: AsyncSession,
    principal: Principal,
    campaign: RecognitionCampaign,
    page: Page,
    status: NominationStatus | None,
) -> PageOf[Nomination]:
    """A campaign's nominations (read by `read_campaign`) the caller may see, in order."""
    return await repository.nominations_page(
        session, campaign.id, _visible(principal, campaign), page, status
    )


@dataclass(frozen=True)
class Evidence:
    """The data behind a nominee: confirmed service (all time, and in the campaign's
    year), the star level, the visits made that year and the households paired now.
    Year-end feedback grades are not kept yet, so they are not shown."""

    member_id: int
    year: int
    all_time_hours: Decimal
    all_time_times: int
    year_hours: Decimal
    year_times: int
    year_points: Decimal
    star_level: int
    visits: int
    households_paired: int


async def evidence(
    session: AsyncSession, keys: Collection[tuple[int, int]]
) -> dict[tuple[int, int], Evidence]:
    """Per (member, year): three queries, whatever the number of nominees."""
    member_ids = {member_id for member_id, _ in keys}
    held = await scores.member_scores(session, member_ids)
    tallies: dict[int, dict[int, visit_repository.VisitTally]] = {}
    for year in {year for _, year in keys}:
        tallies[year] = await visit_repository.tallies(session, member_ids, year, today())
    found = {}
    for member_id, year in keys:
        score = held.get(member_id)
        in_year = months.within(months.read(score) if score else {}, of_year(year)[0])
        tally = tallies[year][member_id]
        found[(member_id, year)] = Evidence(
            member_id=member_id,
            year=year,
            all_time_hours=score.hours if score else Decimal("0.00"),
            all_time_times=score.times if score else 0,
            year_hours=in_year.hours.quantize(Decimal("0.01")),
            year_times=in_year.times,
            year_points=in_year.points,
            star_level=score.star_level if score else 0,
            visits=tally.visits,
            households_paired=tally.households_paired,
        )
    return found


async def awards(
    session: AsyncSession, principal: Principal, member_id: int | None, page: Page
) -> PageOf[Nomination]:
    """A member's selections in published campaigns (the member, or whoever may read the
    member's scores; None: the caller as a member)."""
    chosen = member_id if member_id is not None else principal.member_id
    member = None if chosen is None else await get_member(session, chosen)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    require_member(session, principal, member)
    return await repository.awards_page(session, member.id, page)
