"""The unit register: work-unit Party organisations located in a community."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access, audit
from policies.principal import Principal
from services.registry import fields, repository
from services.registry.errors import (
    CreditCodeTaken,
    InvalidUnit,
    UnitNotFound,
    UnitStillHasMembers,
)
from services.registry.models import RegistryStatus, Unit
from services.registry.repository import UnitFilter
from tenants.hierarchy.models import Node, NodeKind, NodeStatus
from tenants.hierarchy.service import get_node, ref

# The GraphQL input names and what clerks call them.
LABELS = {
    "name": "单位名称",
    "kind": "单位类型",
    "creditCode": "统一社会信用代码",
    "partyOrgType": "党组织类型",
    "locationId": "所在社区",
    "contactName": "联系人",
    "contactPhone": "联系电话",
    "reason": "退出原因",
}


@dataclass(frozen=True)
class UnitDraft:
    """A unit as typed in: every field raw, checked by `add_unit` / `correct_unit`."""

    name: object = None
    kind: object = None
    credit_code: object = None
    party_org_type: object = None
    node_id: int | None = None
    contact_name: object = None
    contact_phone: object = None


clean = fields.Cleaner(InvalidUnit, LABELS)


def check_location(node: Node) -> None:
    """A unit sits in a community that is in service."""
    if node.kind is not NodeKind.COMMUNITY:
        raise InvalidUnit(
            f"「所在社区」应为社区（村），而“{node.name}”不是社区", field="locationId"
        )
    if node.status is NodeStatus.RETIRED:
        raise InvalidUnit(f"「所在社区」“{node.name}”已撤销", field="locationId")


async def _check_credit_code_free(session: AsyncSession, code: str, unit_id: int | None) -> None:
    holder = await repository.unit_by_credit_code(session, code)
    if holder is not None and holder.id != unit_id:
        raise CreditCodeTaken(
            f"统一社会信用代码 {code} 已登记为“{holder.name}”", field="creditCode"
        )


async def get_unit(session: AsyncSession, unit_id: int, *, field: str = "id") -> Unit:
    unit = await repository.get_unit(session, unit_id)
    if unit is None:
        raise UnitNotFound("未找到该单位党组织", field=field)
    return unit


async def read_unit(session: AsyncSession, principal: Principal, unit_id: int) -> Unit:
    unit = await get_unit(session, unit_id)
    access.require(
        session, principal, resource="unit", action="read", node=(unit.node_id, unit.scope_path)
    )
    return unit


async def list_units(
    session: AsyncSession, principal: Principal, page: Page, where: UnitFilter
) -> PageOf[Unit]:
    scope = access.scope(principal, "unit", "read", Unit.scope_path)
    return await repository.units_page(session, scope, page, where)


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "kind": unit.kind.value,
        "credit_code": unit.credit_code,
        "party_org_type": unit.party_org_type.value,
        "node_id": unit.node_id,
        "contact_name": unit.contact_name,
        "contact_phone": unit.contact_phone,
    }


async def add_unit(session: AsyncSession, principal: Principal, draft: UnitDraft) -> Unit:
    if draft.node_id is None:
        raise InvalidUnit("「所在社区」不能为空", field="locationId")
    node = await get_node(session, draft.node_id)
    access.require(session, principal, resource="unit", action="create", node=ref(node))
    check_location(node)
    unit = Unit(
        tenant_id=bound_tenant(session),
        name=clean("name", fields.required_text, draft.name),
        kind=clean("kind", fields.unit_kind, draft.kind),
        credit_code=clean("creditCode", fields.credit_code, draft.credit_code),
        party_org_type=clean("partyOrgType", fields.party_org_type, draft.party_org_type),
        node_id=node.id,
        scope_path=node.path,
        contact_name=clean("contactName", fields.optional_text, draft.contact_name),
        contact_phone=clean("contactPhone", fields.contact_phone, draft.contact_phone),
        status=RegistryStatus.ACTIVE,
    )
    await _check_credit_code_free(session, unit.credit_code, None)
    session.add(unit)
    await session.flush()
    await audit.record(
        session,
        action="unit.created",
        actor=principal,
        node=ref(node),
        object_type="unit",
        object_id=str(unit.id),
        detail=_snapshot(unit),
    )
    return unit


async def correct_unit(
    session: AsyncSession, principal: Principal, unit_id: int, draft: UnitDraft
) -> Unit:
    """Change the fields given (None leaves a field as it is); moving a unit to another
    community needs the right to change units at both."""
    unit = await get_unit(session, unit_id)
    here = (unit.node_id, unit.scope_path)
    access.require(session, principal, resource="unit", action="update", node=here)
    before = _snapshot(unit)
    if draft.node_id is not None and draft.node_id != unit.node_id:
        node = await get_node(session, draft.node_id)
        access.require(session, principal, resource="unit", action="update", node=ref(node))
        check_location(node)
        unit.node_id, unit.scope_path = node.id, node.path
    if draft.name is not None:
        unit.name = clean("name", fields.required_text, draft.name)
    if draft.kind is not None:
        unit.kind = clean("kind", fields.unit_kind, draft.kind)
    if draft.party_org_type is not None:
        unit.party_org_type = clean("partyOrgType", fields.party_org_type, draft.party_org_type)
    if draft.credit_code is not None:
        code = clean("creditCode", fields.credit_code, draft.credit_code)
        await _check_credit_code_free(session, code, unit.id)
        unit.credit_code = code
    if draft.contact_name is not None:
        unit.contact_name = clean("contactName", fields.optional_text, draft.contact_name)
    if draft.contact_phone is not None:
        unit.contact_phone = clean("contactPhone", fields.contact_phone, draft.contact_phone)
    after = _snapshot(unit)
    await session.flush()
    await audit.record(
        session,
        action="unit.corrected",
        actor=principal,
        node=(unit.node_id, unit.scope_path),
        object_type="unit",
        object_id=str(unit.id),
        detail={
            "before": {k: v for k, v in before.items() if after[k] != v},
            "after": {k: v for k, v in after.items() if before[k] != v},
        },
    )
    return unit


async def retire_unit(
    session: AsyncSession, principal: Principal, unit_id: int, *, reason: str
) -> Unit:
    """Take a unit off the register (kept, with the reason); its members must have moved
    to another unit first."""
    unit = await get_unit(session, unit_id)
    here = (unit.node_id, unit.scope_path)
    access.require(session, principal, resource="unit", action="retire", node=here)
    cleaned = clean("reason", fields.required_text, reason)
    if unit.status is RegistryStatus.RETIRED:
        raise InvalidUnit(f"“{unit.name}”已退出", field="id")
    remaining = await repository.active_members_of_unit(session, unit.id)
    if remaining:
        raise UnitStillHasMembers(
            f"“{unit.name}”还有 {remaining} 名在册党员，请先调整他们的工作单位", field="id"
        )
    unit.status, unit.retired_reason = RegistryStatus.RETIRED, cleaned
    await session.flush()
    await audit.record(
        session,
        action="unit.retired",
        actor=principal,
        node=here,
        object_type="unit",
        object_id=str(unit.id),
        detail={"reason": cleaned},
    )
    return unit
