"""12345 热线工单: a partner system (an API key with `work_order, submit`) hands a work
order to the county; it becomes a need of its community (source 12345), once per the
hotline's own id — a resubmission, even a simultaneous one, answers with the same work
order and need. The hotline follows the need's status by the order's id.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.lists import inputs, needs, repository
from services.lists.errors import InvalidWorkOrder, WorkOrderNotFound
from services.lists.inputs import WORK_ORDER_LABELS, clean_work_order
from services.lists.models import (
    NEED_CATEGORY_NAMES,
    Need,
    NeedCategory,
    NeedSource,
    NeedStatus,
    NeedUrgency,
    WorkOrder,
)
from services.registry import fields
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node, NodeKind, NodeStatus

RESOURCE = "work_order"
LABEL = WORK_ORDER_LABELS["communityId"]


@dataclass(frozen=True)
class WorkOrderDraft:
    """A work order as the partner sent it: the community by id or by its code, or
    neither when the partner's key is set at a community."""

    external_id: object
    category: object
    text: object
    deadline: datetime | None
    address: object = None
    community_id: int | None = None
    community_code: str | None = None
    urgency: NeedUrgency = NeedUrgency.NORMAL


@dataclass(frozen=True)
class Received:
    work_order: WorkOrder
    need: Need
    # False when the external id had been received before: nothing new was written.
    new: bool


def here(work_order: WorkOrder) -> tuple[int, str]:
    return work_order.community_id, work_order.scope_path


def need_category(category: str) -> NeedCategory:
    """The hotline's category when it is one of ours (by name or code), else 其他."""
    for member, name in NEED_CATEGORY_NAMES.items():
        if category in (name, member.value):
            return member
    return NeedCategory.OTHER


async def _received_before(
    session: AsyncSession, principal: Principal, work_order: WorkOrder
) -> Received:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(work_order),
        object_id=str(work_order.id),
    )
    need = await repository.need_of_work_order(session, work_order.id)
    if need is None:
        raise WorkOrderNotFound("未找到该工单对应的需求", field="externalId")
    return Received(work_order, need, new=False)


async def _community(session: AsyncSession, principal: Principal, draft: WorkOrderDraft) -> Node:
    if draft.community_id is not None and draft.community_code is not None:
        raise InvalidWorkOrder(
            f"「{LABEL}」请只给出 communityId 或 communityCode 之一", field="communityCode"
        )
    field = "communityCode" if draft.community_code is not None else "communityId"
    node: Node | None
    if draft.community_code is not None:
        code = draft.community_code.strip()
        owner = await hierarchy.code_owner(session, code) if code else None
        node = None if owner is None else await hierarchy.get(session, owner)
        if node is None:
            raise InvalidWorkOrder(f"「{LABEL}」未找到代码为“{code[:32]}”的社区", field=field)
    elif draft.community_id is not None:
        node = await hierarchy.get(session, draft.community_id)
        if node is None:
            raise InvalidWorkOrder(f"「{LABEL}」未找到该社区", field=field)
    else:
        # The key's own node, when it is a community.
        places = await hierarchy.get_many(session, [grant.node_id for grant in principal.grants])
        communities = [n for n in places.values() if n.kind is NodeKind.COMMUNITY]
        if len(places) != 1 or not communities:
            where = "、".join(f"“{n.name}”" for n in places.values()) or "社区以外"
            raise InvalidWorkOrder(
                f"「{LABEL}」未给出：接口密钥设在{where}，不是社区，"
                "请用 communityId 或 communityCode 指明工单所属社区",
                field=field,
            )
        node = communities[0]
    if node.kind is not NodeKind.COMMUNITY:
        raise InvalidWorkOrder(f"「{LABEL}」应为社区（村），而“{node.name}”不是", field=field)
    if node.status is NodeStatus.RETIRED:
        raise InvalidWorkOrder(f"「{LABEL}」“{node.name}”已撤销", field=field)
    return node


def _deadline(value: datetime | None) -> datetime:
    deadline = inputs.required(InvalidWorkOrder, WORK_ORDER_LABELS, "deadline", value)
    if deadline.tzinfo is None:
        # A time without a zone is China time, as the hotline keeps it.
        deadline = deadline.replace(tzinfo=CHINA)
    if deadline <= now():
        raise InvalidWorkOrder("「办理时限」已过，应晚于当前时间", field="deadline")
    return deadline


async def submit_work_order(
    session: AsyncSession, principal: Principal, draft: WorkOrderDraft
) -> Received:
    external_id = clean_work_order(
        "externalId",
        lambda v: fields.required_text(v, inputs.EXTERNAL_ID_MAX_LENGTH),
        draft.external_id,
    )
    before = await repository.work_order_by_external_id(session, external_id)
    if before is not None:
        return await _received_before(session, principal, before)
    community = await _community(session, principal, draft)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="submit",
        node=(community.id, community.path),
    )
    category = clean_work_order(
        "category",
        lambda v: fields.required_text(v, inputs.CATEGORY_MAX_LENGTH),
        draft.category,
    )
    content = inputs.long_text(clean_work_order, "text", draft.text)
    address = clean_work_order(
        "address", lambda v: fields.optional_text(v, inputs.REASON_MAX_LENGTH), draft.address
    )
    deadline = _deadline(draft.deadline)
    inserted = await repository.insert_work_order(
        session,
        {
            "tenant_id": bound_tenant(session),
            "external_id": external_id,
            "category": category,
            "content": content,
            "address": address,
            "community_id": community.id,
            "scope_path": community.path,
            "deadline": deadline,
            "submitted_by": principal.id,
            "submitted_by_name": principal.name,
        },
    )
    if inserted is None:
        # Received meanwhile by a submission that has since committed: that one stands.
        raced = await repository.work_order_by_external_id(session, external_id)
        if raced is None:
            raise WorkOrderNotFound("未找到该工单", field="externalId")
        return await _received_before(session, principal, raced)
    work_order = await repository.work_order(session, inserted)
    if work_order is None:
        raise WorkOrderNotFound("未找到该工单", field="externalId")
    need = Need(
        tenant_id=work_order.tenant_id,
        category=need_category(category),
        description=content,
        node_id=community.id,
        community_id=community.id,
        scope_path=community.path,
        urgency=draft.urgency,
        source=NeedSource.HOTLINE,
        status=NeedStatus.OPEN,
        work_order_id=work_order.id,
        raised_by=principal.account_id,
        raised_by_name=principal.name,
    )
    await needs.add_need(session, principal, need)
    await record_step(
        session,
        principal,
        type="work_order.received",
        node=here(work_order),
        object_type=RESOURCE,
        object_id=work_order.id,
        payload={
            **needs.origin(work_order),
            "need_id": need.id,
            "community_id": community.id,
            "category": category,
            "deadline": deadline.isoformat(),
        },
    )
    await needs.log_need(
        session, principal, need, "raised", work_order=work_order, place_name=community.name
    )
    return Received(work_order, need, new=True)


async def read_work_order(
    session: AsyncSession, principal: Principal, external_id: str
) -> tuple[WorkOrder, Need]:
    """A work order by the hotline's id, with the need it became."""
    work_order = await repository.work_order_by_external_id(session, external_id.strip())
    if work_order is None:
        raise WorkOrderNotFound(f"未找到编号为“{external_id[:64]}”的工单", field="externalId")
    received = await _received_before(session, principal, work_order)
    return received.work_order, received.need
