"""Dead-lettered messages for admins: `failedMessages` and `retryFailedMessage`.

With X-County-Code a list is that county's (its county admins and auditors; platform
admins too); without, a platform admin's list spans every county. The work itself is
infra.dead_letters'; here is who may do it, and the audit entry.
"""

from typing import Annotated
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import encode_cursor, page
from api.context import Context
from api.results import MutationError, attempt
from api.types.workers import FailedMessageType, parse_node_id
from infra import dead_letters
from infra.broker import current_broker
from infra.db import bind_tenant
from infra.dead_letters import County, FailedMessageNotFound
from policies import access, audit
from policies.principal import Principal
from tenants.hierarchy.service import ref, root

RESOURCE = "failed_message"


@strawberry.type(description="失败消息已重新投递")
class RetryFailedMessageSuccess:
    failed_message: FailedMessageType


RetryFailedMessageResult = Annotated[
    RetryFailedMessageSuccess | MutationError, strawberry.union("RetryFailedMessageResult")
]


async def _require_in_county(
    session: AsyncSession, principal: Principal, action: str, object_id: str | None = None
) -> tuple[int, str]:
    """Dead letters belong to the whole county: the right is checked at its root."""
    county = ref(await root(session))
    access.require(
        session, principal, resource=RESOURCE, action=action, node=county, object_id=object_id
    )
    return county


async def _within(info: Info[Context, None], principal: Principal) -> list[County]:
    """The counties whose dead letters the request reads."""
    if info.context.county_code:
        session = await info.context.session()
        await _require_in_county(session, principal, "read")
        tenant = await info.context.tenant()
        return [County(id=tenant.id, county_code=tenant.county_code)]
    session = await info.context.uow.session()
    # No county named: the platform's view, for platform admins only.
    access.require(session, principal, resource=RESOURCE, action="read", node=None)
    return await dead_letters.counties(session)


@strawberry.type
class WorkerQuery:
    @strawberry.field(
        description="重试用尽仍未处理成功的消息，最新的在前：带 X-County-Code 时为该县（区）的"
        "（县级管理员、审计员、平台管理员），不带时为全部县（区）的（平台管理员）"
    )
    async def failed_messages(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection[FailedMessageType]:
        principal = await info.context.principal()
        wanted = page(first, after)
        within = await _within(info, principal)
        result = await dead_letters.page_in(await info.context.uow.session(), within, wanted)
        edges = [
            relay.Edge(
                node=FailedMessageType.from_model(county.county_code, failed),
                cursor=encode_cursor(dead_letters.order_key(failed)),
            )
            for county, failed in result.rows
        ]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=result.has_next,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


async def _enter(info: Info[Context, None], principal: Principal, tenant_id: UUID) -> County:
    """Work in the county a dead letter's id names: the request's own county, or for a
    platform admin without X-County-Code any county (bound for this transaction)."""
    if info.context.county_code:
        tenant = await info.context.tenant()
        if tenant.id != tenant_id:
            raise FailedMessageNotFound("未找到该失败消息", field="id")
        return County(id=tenant.id, county_code=tenant.county_code)
    session = await info.context.uow.session()
    access.require(session, principal, resource=RESOURCE, action="retry", node=None)
    for county in await dead_letters.counties(session):
        if county.id == tenant_id:
            await bind_tenant(session, tenant_id)
            return county
    raise FailedMessageNotFound("未找到该失败消息", field="id")


@strawberry.type
class WorkerMutation:
    @strawberry.mutation(
        description="把一条失败消息重新投递（作为新消息，重新计算重试次数）；记入审计日志"
    )
    async def retry_failed_message(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> RetryFailedMessageResult:
        async def work() -> RetryFailedMessageSuccess:
            principal = await info.context.principal()
            tenant_id, failed_id = parse_node_id(id)
            county = await _enter(info, principal, tenant_id)
            session = await info.context.uow.session()
            node = await _require_in_county(session, principal, "retry", str(failed_id))
            failed = await dead_letters.for_retry(session, failed_id)
            await audit.record(
                session,
                action="failed_message.retried",
                actor=principal,
                node=node,
                object_type=RESOURCE,
                object_id=str(failed.id),
                detail={
                    "actor": failed.actor,
                    "event_id": failed.event_id,
                    "message_id": failed.message_id,
                },
            )
            # Last: sent before the commit, so a failed commit at worst sends it twice
            # (consumers apply an event once), never marks it sent when it was not.
            await dead_letters.send_again(current_broker(), failed, principal.account_id)
            return RetryFailedMessageSuccess(
                failed_message=FailedMessageType.from_model(county.county_code, failed)
            )

        return await attempt(info, work)
