"""单位党组织到社区报到: a unit registers with a community; the community confirms it or
returns it with a reason; either side can end it later."""

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.registration import inputs, places, repository
from services.registration.errors import (
    AlreadyRegistered,
    InvalidRegistration,
    RegistrationClosed,
    RegistrationNotFound,
)
from services.registration.inputs import STATE_PHRASES
from services.registration.models import (
    RegistrationStatus,
    UnitRegistration,
)
from services.registration.repository import UnitRegistrationFilter
from services.registry.models import RegistryStatus, Unit
from services.registry.units import get_unit
from tenants.hierarchy.service import ref

RESOURCE = "unit_registration"


def _here(registration: UnitRegistration) -> tuple[int, str]:
    return registration.node_id, registration.scope_path


async def get_unit_registration(
    session: AsyncSession, registration_id: int, *, for_update: bool = False, field: str = "id"
) -> UnitRegistration:
    found = await repository.unit_registration(session, registration_id, for_update=for_update)
    if found is None:
        raise RegistrationNotFound("未找到该报到记录", field=field)
    return found


async def read_unit_registration(
    session: AsyncSession, principal: Principal, registration_id: int
) -> UnitRegistration:
    registration = await get_unit_registration(session, registration_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=_here(registration),
        owned=principal.unit_id == registration.unit_id,
    )
    return registration


async def list_unit_registrations(
    session: AsyncSession, principal: Principal, page: Page, where: UnitRegistrationFilter
) -> PageOf[UnitRegistration]:
    own = UnitRegistration.unit_id == (principal.unit_id or 0)
    scope = access.scope_or_own(principal, RESOURCE, "read", UnitRegistration.scope_path, own)
    return await repository.unit_registrations_page(session, scope, page, where)


async def _log(
    session: AsyncSession,
    principal: Principal,
    registration: UnitRegistration,
    unit: Unit,
    step: str,
    **detail: Any,
) -> None:
    payload = {
        "unit_registration_id": registration.id,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "community_id": registration.node_id,
        "status": registration.status.value,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"unit_registration.{step}",
        node=_here(registration),
        object_type=RESOURCE,
        object_id=registration.id,
        payload=payload,
        detail=detail,
    )


async def submit_unit_registration(
    session: AsyncSession,
    principal: Principal,
    *,
    unit_id: int,
    community_id: int | None = None,
    statement: str | None = None,
) -> UnitRegistration:
    """The unit registers with the community where it sits; registering it with another
    community is the street's assignment (`assign` there)."""
    unit = await get_unit(session, unit_id, field="unitId")
    target = await places.community(session, community_id or unit.node_id, field="communityId")
    if target.id == unit.node_id:
        access.require(
            session,
            principal,
            resource=RESOURCE,
            action="submit",
            node=ref(target),
            owned=principal.unit_id == unit.id,
        )
    else:
        access.require(session, principal, resource=RESOURCE, action="assign", node=ref(target))
    if unit.status is not RegistryStatus.ACTIVE:
        raise InvalidRegistration(f"“{unit.name}”已退出名册，不能报到", field="unitId")
    held = await repository.open_unit_registration(session, unit.id)
    if held is not None:
        raise _already(unit, held)
    registration = UnitRegistration(
        tenant_id=bound_tenant(session),
        unit_id=unit.id,
        node_id=target.id,
        scope_path=target.path,
        status=RegistrationStatus.SUBMITTED,
        statement=inputs.statement(statement),
        submitted_by=principal.account_id,
    )
    session.add(registration)
    try:
        await session.flush()
    except IntegrityError as error:
        # Another request registered the unit between our check and our insert.
        raise AlreadyRegistered(f"“{unit.name}”已提交报到，不能重复报到", field="unitId") from error
    await _log(session, principal, registration, unit, "submitted", community_name=target.name)
    return registration


def _already(unit: Unit, held: UnitRegistration) -> AlreadyRegistered:
    state = STATE_PHRASES[held.status]
    return AlreadyRegistered(
        f"“{unit.name}”已提交报到（{state}），不能重复报到；如需改到其他社区，请先结束原报到",
        field="unitId",
    )


def _closed(registration: UnitRegistration, wanted: str) -> RegistrationClosed:
    state = STATE_PHRASES[registration.status]
    return RegistrationClosed(f"该报到{state}，不能再{wanted}", field="id")


async def _decide(
    session: AsyncSession, principal: Principal, registration_id: int
) -> tuple[UnitRegistration, Unit, datetime]:
    registration = await get_unit_registration(session, registration_id, for_update=True)
    access.require(session, principal, resource=RESOURCE, action="decide", node=_here(registration))
    if registration.status is not RegistrationStatus.SUBMITTED:
        raise _closed(registration, "确认或退回")
    return registration, await get_unit(session, registration.unit_id), now()


async def confirm_unit_registration(
    session: AsyncSession, principal: Principal, registration_id: int
) -> UnitRegistration:
    registration, unit, at = await _decide(session, principal, registration_id)
    registration.status = RegistrationStatus.CONFIRMED
    registration.decided_by, registration.decided_at = principal.account_id, at
    await session.flush()
    await _log(session, principal, registration, unit, "confirmed")
    return registration


async def return_unit_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> UnitRegistration:
    cleaned = inputs.reason(reason)
    registration, unit, at = await _decide(session, principal, registration_id)
    registration.status = RegistrationStatus.RETURNED
    registration.decided_by, registration.decided_at = principal.account_id, at
    registration.return_reason = cleaned
    await session.flush()
    await _log(session, principal, registration, unit, "returned", reason=cleaned)
    return registration


async def end_unit_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> UnitRegistration:
    """End (or withdraw) a registration; an agreement in force ends with it."""
    from services.registration.agreements import end_with_registration

    cleaned = inputs.reason(reason)
    registration = await get_unit_registration(session, registration_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="end",
        node=_here(registration),
        owned=principal.unit_id == registration.unit_id,
    )
    if registration.status not in (RegistrationStatus.SUBMITTED, RegistrationStatus.CONFIRMED):
        raise _closed(registration, "结束")
    unit = await get_unit(session, registration.unit_id)
    registration.status = RegistrationStatus.ENDED
    registration.ended_by, registration.ended_at = principal.account_id, now()
    registration.end_reason = cleaned
    await session.flush()
    await end_with_registration(session, principal, registration, cleaned)
    await _log(session, principal, registration, unit, "ended", reason=cleaned)
    return registration
