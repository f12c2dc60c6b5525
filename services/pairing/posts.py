"""Posts a member holds in the residence community (楼栋长, 网格员, 业委会成员, 功能型党支部
成员), each for a period. Where the role model has a matching role (a building head is a
compound leader — 小区负责人 — at the compound or building), the member's account is
granted it at that node through the grants service (audited, every process's enforcer
told) for as long as the post lasts; ending the post, or its period running out
(`end_lapsed`, daily), revokes it. Posts without a matching role grant nothing.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from policies import access, audit
from policies import repository as grants_repository
from policies.listener import announce_grants_changed
from policies.principal import Principal
from policies.roles import Role
from services.events.service import SCHEDULER, record_step
from services.identity import grants
from services.identity import repository as identity
from services.pairing import inputs, places, post_repository
from services.pairing.errors import (
    CommitmentEnded,
    InvalidMemberPost,
    MemberPostExists,
    MemberPostNotFound,
)
from services.pairing.inputs import day
from services.pairing.models import CommitmentStatus
from services.pairing.recognition_models import POST_NAMES, MemberPost, PostKind
from tenants.hierarchy.models import NodeKind
from tenants.hierarchy.service import ref

RESOURCE = "member_post"
POST_PLACES = {
    PostKind.BUILDING_HEAD: (NodeKind.COMPOUND, NodeKind.BUILDING),
    PostKind.GRID_MEMBER: (NodeKind.GRID,),
    PostKind.OWNERS_COMMITTEE: (NodeKind.COMPOUND,),
    PostKind.PARTY_BRANCH_MEMBER: (NodeKind.COMMUNITY, NodeKind.COMPOUND),
}
# The role each post holds at its node, where the role model has one.
POST_ROLES = {PostKind.BUILDING_HEAD: Role.COMPOUND_LEADER.value}
LAPSED = "任期届满"


@dataclass(frozen=True)
class PostDraft:
    member_id: int
    post: PostKind
    node_id: int
    starts_on: date | None = None
    ends_on: date | None = None


def here(post: MemberPost) -> tuple[int, str]:
    return post.node_id, post.scope_path


def payload(post: MemberPost) -> dict[str, Any]:
    return {
        "member_post_id": post.id,
        "member_id": post.member_id,
        "post": post.post.value,
        "node_id": post.node_id,
        "community_id": post.community_id,
        "starts_on": post.starts_on.isoformat(),
        "ends_on": None if post.ends_on is None else post.ends_on.isoformat(),
        "status": post.status.value,
        "granted_role": post.granted_role,
    }


async def _log(
    session: AsyncSession, principal: Principal | None, post: MemberPost, step: str, **more: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"member_post.{step}",
        node=here(post),
        object_type=RESOURCE,
        object_id=post.id,
        payload={**payload(post), **more},
    )


async def assign_post(session: AsyncSession, principal: Principal, draft: PostDraft) -> MemberPost:
    place = await places.node(session, draft.node_id, field="nodeId")
    access.require(session, principal, resource=RESOURCE, action="manage", node=ref(place))
    places.check_kind(place, POST_PLACES[draft.post], InvalidMemberPost, "任职区域", field="nodeId")
    member = await places.active_member(session, draft.member_id, field="memberId")
    community = await places.community_of(session, place)
    name = POST_NAMES[draft.post]
    await places.require_member_registered(
        session, member, community, field="memberId", what=f"在此担任{name}"
    )
    period = inputs.period(InvalidMemberPost, draft.starts_on, draft.ends_on)
    if period.starts_on > today():
        raise InvalidMemberPost(
            "「开始日期」不能晚于今天（任职自登记之日起生效）", field="startsOn"
        )
    held = await post_repository.active_post(session, member.id, draft.post, place.id)
    if held is not None:
        raise MemberPostExists(
            f"党员{member.name}已任“{place.name}”{name}（{day(held.starts_on)}起）",
            field="memberId",
        )
    post = MemberPost(
        tenant_id=bound_tenant(session),
        member_id=member.id,
        post=draft.post,
        node_id=place.id,
        scope_path=place.path,
        community_id=community.id,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        status=CommitmentStatus.ACTIVE,
        created_by=principal.account_id,
        created_by_name=principal.name,
    )
    role = POST_ROLES.get(draft.post)
    account = await identity.account_of_member(session, member.id)
    if role is not None and account is not None:
        post.granted_role, post.user_id = role, account.id
        if await grants_repository.find(session, account.id, role, place.id) is None:
            made = await grants.grant_role(
                session, principal, user_id=account.id, role=role, node_id=place.id
            )
            post.role_grant_id = made.id
    session.add(post)
    await session.flush()
    await _log(session, principal, post, "assigned")
    return post


async def _revoke(session: AsyncSession, principal: Principal | None, post: MemberPost) -> None:
    """Take back the grant the post made, if it still stands."""
    if post.role_grant_id is None:
        return
    grant = await grants_repository.get(session, post.role_grant_id)
    post.role_grant_id = None
    if grant is None:
        return
    if principal is not None:
        await grants.revoke_role(session, principal, grant.id)
        return
    # The schedule: no one to check, the same audit entry and notice as any revocation.
    node = (grant.node_id, grant.scope_path)
    await session.delete(grant)
    await session.flush()
    await audit.record(
        session,
        action="role_grant.revoked",
        actor=None,
        actor_name=SCHEDULER,
        node=node,
        object_type="user",
        object_id=str(grant.user_id),
        detail={"role": grant.role, "grant_id": grant.id, "member_post_id": post.id},
    )
    await announce_grants_changed(session, grant.tenant_id, f"user:{grant.user_id}")


async def _end(
    session: AsyncSession, principal: Principal | None, post: MemberPost, reason: str
) -> None:
    post.status, post.ended_at = CommitmentStatus.ENDED, now()
    post.ended_by = None if principal is None else principal.account_id
    post.end_reason = reason
    await _revoke(session, principal, post)
    await session.flush()
    await _log(session, principal, post, "ended", reason=reason)


async def end_post(
    session: AsyncSession, principal: Principal, post_id: int, *, reason: str
) -> MemberPost:
    post = await post_repository.get_post(session, post_id, lock=True)
    if post is None:
        raise MemberPostNotFound("未找到该任职", field="id")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(post),
        object_id=str(post.id),
    )
    cleaned = inputs.end_reason(InvalidMemberPost, reason)
    if post.status is CommitmentStatus.ENDED:
        raise CommitmentEnded("该任职已结束", field="id")
    await _end(session, principal, post, cleaned)
    return post


async def end_lapsed(session: AsyncSession, on: date) -> int:
    """End the posts whose period ran out before `on` (their grants revoked)."""
    lapsed = await post_repository.lapsed_posts(session, on)
    for post in lapsed:
        await _end(session, None, post, LAPSED)
    return len(lapsed)
