"""Alliances: forming, reading, dissolving, and what every change to one shares.

Every change to an alliance first locks its row, so changes to one alliance happen one
at a time and each rule below sees what the change before it left.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from infra.errors import DomainError
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.alliances import repository
from services.alliances.errors import (
    AllianceDissolved,
    AllianceNotFound,
    InvalidAlliance,
)
from services.alliances.models import (
    ALLIANCE_KIND_NAMES,
    ALLIANCE_NODE_KINDS,
    Alliance,
    AllianceKind,
    AllianceStatus,
)
from services.alliances.repository import AllianceFilter
from services.events.service import record_step
from services.registry import fields
from tenants.hierarchy.models import Node, NodeStatus
from tenants.hierarchy.service import KIND_NAMES, get_node, ref

# The GraphQL input names and what clerks call them.
LABELS = {
    "name": "联盟名称",
    "nodeId": "所在区划",
    "establishedOn": "成立日期",
    "description": "简介",
    "dissolvedOn": "撤销日期",
    "reason": "撤销原因",
    "role": "联盟职责",
    "joinedOn": "加入日期",
    "leftOn": "退出日期",
    "post": "职务",
    "fromOn": "任职日期",
    "toOn": "免职日期",
    "heldOn": "会议日期",
    "topic": "会议议题",
    "place": "会议地点",
    "resolutions": "议定事项",
}
DESCRIPTION_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 200

clean = fields.Cleaner(InvalidAlliance, LABELS)


@dataclass(frozen=True)
class AllianceDraft:
    """An alliance as typed in, checked by `form_alliance`."""

    kind: AllianceKind
    node_id: int
    name: object = None
    established_on: date | None = None
    description: object = None


def here(alliance: Alliance) -> tuple[int, str]:
    return alliance.node_id, alliance.scope_path


def named(alliance: Alliance) -> dict[str, Any]:
    """What every event and audit entry says of the alliance."""
    return {"alliance_id": alliance.id, "alliance_name": alliance.name}


def day(
    value: date | None,
    field: str,
    error: type[DomainError],
    *,
    not_before: date | None = None,
    since: str = "",
) -> date:
    """A day of record: today when not given, never in the future, never before
    `not_before` (what that day is: `since`)."""
    chosen = value or today()
    if chosen > today():
        raise error(f"「{LABELS[field]}」不能晚于今天", field=field)
    if not_before is not None and chosen < not_before:
        raise error(f"「{LABELS[field]}」不能早于{since}（{not_before}）", field=field)
    return chosen


async def record_change(
    session: AsyncSession,
    principal: Principal,
    alliance: Alliance,
    what: str,
    payload: dict[str, Any],
    *,
    object_type: str = "alliance",
    object_id: int | None = None,
) -> None:
    """The audit entry and the event of a change, in the change's transaction; both named
    `alliance.<what>`."""
    await record_step(
        session,
        principal,
        type=f"alliance.{what}",
        node=here(alliance),
        object_type=object_type,
        object_id=object_id if object_id is not None else alliance.id,
        payload=payload,
    )


async def get_alliance(
    session: AsyncSession, alliance_id: int, *, field: str = "id", for_update: bool = False
) -> Alliance:
    alliance = await repository.get_alliance(session, alliance_id, for_update=for_update)
    if alliance is None:
        raise AllianceNotFound("未找到该党建联盟（大党委）", field=field)
    return alliance


async def owns(
    session: AsyncSession, principal: Principal, alliance: Alliance, resource: str
) -> bool:
    """Whether the alliance is the principal's own to read (its unit is a current member)
    and no grant already lets it read there."""
    if access.may(principal, alliance.scope_path, resource, "read"):
        return False
    return access.may_own(principal, resource, "read") and await repository.is_current_unit(
        session, alliance.id, principal.unit_id
    )


async def read_alliance(session: AsyncSession, principal: Principal, alliance_id: int) -> Alliance:
    alliance = await get_alliance(session, alliance_id)
    access.require(
        session,
        principal,
        resource="alliance",
        action="read",
        node=here(alliance),
        object_id=str(alliance.id),
        owned=await owns(session, principal, alliance, "alliance"),
    )
    return alliance


async def list_alliances(
    session: AsyncSession, principal: Principal, page: Page, where: AllianceFilter
) -> PageOf[Alliance]:
    """Alliances formed where the principal may read them, and those its unit is in."""
    own = repository.alliances_of_unit(principal.unit_id)
    scope = access.scope_or_own(principal, "alliance", "read", Alliance.scope_path, own)
    return await repository.alliances_page(session, scope, page, where)


async def open_for_change(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    *,
    field: str = "allianceId",
    resource: str = "alliance",
    action: str = "manage",
) -> Alliance:
    """The alliance to change, locked, once the principal may and it is not dissolved."""
    alliance = await get_alliance(session, alliance_id, field=field, for_update=True)
    access.require(
        session,
        principal,
        resource=resource,
        action=action,
        node=here(alliance),
        object_id=str(alliance.id),
    )
    if alliance.status is AllianceStatus.DISSOLVED:
        raise AllianceDissolved(
            f"“{alliance.name}”已于 {alliance.dissolved_on} 撤销，不能再变更", field=field
        )
    return alliance


def check_node(kind: AllianceKind, node: Node) -> None:
    """A 党建联盟 is formed at a township or street, a 大党委 at a community."""
    expected = ALLIANCE_NODE_KINDS[kind]
    if node.kind is not expected:
        raise InvalidAlliance(
            f"「所在区划」{ALLIANCE_KIND_NAMES[kind]}应建在{KIND_NAMES[expected]}，"
            f"而“{node.name}”是{KIND_NAMES[node.kind]}",
            field="nodeId",
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidAlliance(f"「所在区划」“{node.name}”已撤销", field="nodeId")


def _description(value: object) -> str | None:
    return fields.optional_text(value, DESCRIPTION_MAX_LENGTH)


def _reason(value: object) -> str:
    return fields.required_text(value, REASON_MAX_LENGTH)


async def form_alliance(
    session: AsyncSession, principal: Principal, draft: AllianceDraft
) -> Alliance:
    node = await get_node(session, draft.node_id)
    access.require(session, principal, resource="alliance", action="manage", node=ref(node))
    check_node(draft.kind, node)
    alliance = Alliance(
        tenant_id=bound_tenant(session),
        kind=draft.kind,
        name=clean("name", fields.required_text, draft.name),
        node_id=node.id,
        scope_path=node.path,
        established_on=day(draft.established_on, "establishedOn", InvalidAlliance),
        description=clean("description", _description, draft.description),
        status=AllianceStatus.ACTIVE,
    )
    session.add(alliance)
    await session.flush()
    payload = {
        **named(alliance),
        "kind": alliance.kind.value,
        "node_id": node.id,
        "node_name": node.name,
        "established_on": alliance.established_on.isoformat(),
    }
    await record_change(session, principal, alliance, "formed", payload)
    return alliance


async def dissolve_alliance(
    session: AsyncSession,
    principal: Principal,
    alliance_id: int,
    *,
    reason: str,
    dissolved_on: date | None = None,
) -> Alliance:
    """Dissolve an alliance (kept, with the reason): its member units leave and its
    part-time members' appointments end on that day."""
    alliance = await open_for_change(session, principal, alliance_id, field="id")
    cleaned = clean("reason", _reason, reason)
    latest = await repository.latest_current_start(session, alliance.id)
    on = day(
        dissolved_on,
        "dissolvedOn",
        InvalidAlliance,
        not_before=latest or alliance.established_on,
        since="成员单位加入或兼职委员任职的最近日期" if latest else "联盟成立日期",
    )
    units_left, members_ended = await repository.end_everything(session, alliance.id, on)
    alliance.status, alliance.dissolved_on, alliance.dissolved_reason = (
        AllianceStatus.DISSOLVED,
        on,
        cleaned,
    )
    await session.flush()
    payload = {
        **named(alliance),
        "dissolved_on": on.isoformat(),
        "reason": cleaned,
        "units_left": units_left,
        "part_time_members_ended": members_ended,
    }
    await record_change(session, principal, alliance, "dissolved", payload)
    return alliance
