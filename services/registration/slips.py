"""A member's registration slip (报到单): finding, reading and listing slips, locking them
for a decision, and writing each step's event."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.registration import repository
from services.registration.errors import (
    InvalidRegistration,
    RegistrationClosed,
    RegistrationNotFound,
)
from services.registration.inputs import STATE_PHRASES
from services.registration.models import (
    OPEN_STATUSES,
    MemberRegistration,
    RegistrationStatus,
)
from services.registration.repository import MemberRegistrationFilter

RESOURCE = "member_registration"
# A batch is one screen of a unit's list; larger ones are split by the unit.


def here(registration: MemberRegistration) -> tuple[int, str]:
    return registration.node_id, registration.scope_path


def owns(principal: Principal, registration: MemberRegistration) -> bool:
    """The member's own slip, or one of the unit's members' slips."""
    return principal.member_id == registration.member_id or (
        principal.unit_id is not None and principal.unit_id == registration.unit_id
    )


async def get_member_registration(
    session: AsyncSession, registration_id: int
) -> MemberRegistration:
    found = await repository.member_registration(session, registration_id)
    if found is None:
        raise RegistrationNotFound("未找到该报到单", field="id")
    return found


async def read_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int
) -> MemberRegistration:
    registration = await get_member_registration(session, registration_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(registration),
        owned=owns(principal, registration),
    )
    return registration


def own_registrations(principal: Principal) -> Any:
    """The slips that are the principal's own, as an SQL condition."""
    mine = MemberRegistration.member_id == (principal.member_id or 0)
    return mine | (MemberRegistration.unit_id == (principal.unit_id or 0))


async def list_member_registrations(
    session: AsyncSession, principal: Principal, page: Page, where: MemberRegistrationFilter
) -> PageOf[MemberRegistration]:
    scope = access.scope_or_own(
        principal, RESOURCE, "read", MemberRegistration.scope_path, own_registrations(principal)
    )
    return await repository.member_registrations_page(session, scope, page, where)


async def log(
    session: AsyncSession,
    principal: Principal,
    registration: MemberRegistration,
    step: str,
    **detail: Any,
) -> None:
    payload = {
        "member_registration_id": registration.id,
        "slip_number": registration.slip_number,
        "member_id": registration.member_id,
        "unit_id": registration.unit_id,
        "community_id": registration.community_id,
        "status": registration.status.value,
        **detail,
    }
    await record_step(
        session,
        principal,
        type=f"member_registration.{step}",
        node=here(registration),
        object_type=RESOURCE,
        object_id=registration.id,
        payload=payload,
        detail={"slip_number": registration.slip_number, **detail},
    )


async def locked(
    session: AsyncSession, registration_ids: Sequence[int], *, field: str = "ids"
) -> list[MemberRegistration]:
    if not registration_ids:
        raise InvalidRegistration("至少选择一张报到单", field=field)
    found = await repository.member_registrations_for_update(session, registration_ids)
    if any(i not in found for i in registration_ids):
        raise RegistrationNotFound("未找到该报到单", field=field)
    return [found[i] for i in dict.fromkeys(registration_ids)]


def closed(
    registration: MemberRegistration, wanted: str, *, field: str = "ids"
) -> RegistrationClosed:
    state = STATE_PHRASES[registration.status]
    return RegistrationClosed(
        f"报到单 {registration.slip_number} {state}，不能再{wanted}", field=field
    )


async def end_registration(
    session: AsyncSession,
    principal: Principal,
    registration: MemberRegistration,
    reason: str,
    *,
    field: str = "id",
) -> None:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="end",
        node=here(registration),
        owned=owns(principal, registration),
    )
    if registration.status not in OPEN_STATUSES:
        raise closed(registration, "结束", field=field)
    registration.status = RegistrationStatus.ENDED
    registration.ended_by, registration.ended_at = principal.account_id, now()
    registration.end_reason = reason
    await session.flush()
    await log(session, principal, registration, "ended", reason=reason)
