"""The community's side of a slip: confirmed with a numbered receipt (回执) or returned; the
unit files the receipt; a registration ends."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from policies import access
from policies.principal import Principal
from services.registration import inputs, slips
from services.registration.errors import (
    NotConfirmed,
    RegistrationClosed,
)
from services.registration.models import (
    MemberRegistration,
    RegistrationStatus,
)
from services.registration.numbers import Series, take_numbers


async def confirm_member_registrations(
    session: AsyncSession, principal: Principal, registration_ids: Sequence[int]
) -> list[MemberRegistration]:
    """The community confirms slips and issues a numbered receipt for each. The rows are
    locked first, so of two confirmations of one slip exactly one issues a receipt."""
    registrations = await slips.locked(session, registration_ids)
    for registration in registrations:
        access.require(
            session,
            principal,
            resource=slips.RESOURCE,
            action="decide",
            node=slips.here(registration),
        )
        if registration.status is not RegistrationStatus.SUBMITTED:
            raise slips.closed(registration, "确认")
    receipts = await take_numbers(session, Series.RECEIPT, len(registrations))
    at = now()
    for registration, receipt in zip(registrations, receipts, strict=True):
        registration.status = RegistrationStatus.CONFIRMED
        registration.decided_by, registration.decided_at = principal.account_id, at
        registration.receipt_number = receipt
    await session.flush()
    for registration in registrations:
        await slips.log(session, principal, registration, "confirmed")
        await slips.log(
            session,
            principal,
            registration,
            "receipt_issued",
            receipt_number=receipt_number(registration),
        )
    return registrations


def receipt_number(registration: MemberRegistration) -> str:
    assert registration.receipt_number is not None
    return registration.receipt_number


async def return_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> MemberRegistration:
    (registration,) = await slips.locked(session, [registration_id], field="id")
    access.require(
        session, principal, resource=slips.RESOURCE, action="decide", node=slips.here(registration)
    )
    cleaned = inputs.reason(reason)
    if registration.status is not RegistrationStatus.SUBMITTED:
        raise slips.closed(registration, "退回", field="id")
    registration.status = RegistrationStatus.RETURNED
    registration.decided_by, registration.decided_at = principal.account_id, now()
    registration.return_reason = cleaned
    await session.flush()
    await slips.log(session, principal, registration, "returned", reason=cleaned)
    return registration


async def file_receipts(
    session: AsyncSession, principal: Principal, registration_ids: Sequence[int]
) -> list[MemberRegistration]:
    """The work unit has the receipts and files them (回执归档)."""
    registrations = await slips.locked(session, registration_ids)
    for registration in registrations:
        access.require(
            session,
            principal,
            resource=slips.RESOURCE,
            action="file",
            node=slips.here(registration),
            owned=principal.unit_id == registration.unit_id,
        )
        if registration.receipt_number is None:
            raise NotConfirmed(
                f"报到单 {registration.slip_number} 尚无回执（须社区确认后才有回执）",
                field="ids",
            )
        if registration.receipt_filed_at is not None:
            raise RegistrationClosed(
                f"回执 {registration.receipt_number} 已于 "
                f"{registration.receipt_filed_at.astimezone(CHINA).date().isoformat()} 归档",
                field="ids",
            )
    at = now()
    for registration in registrations:
        registration.receipt_filed_by, registration.receipt_filed_at = (
            principal.account_id,
            at,
        )
    await session.flush()
    for registration in registrations:
        await slips.log(
            session,
            principal,
            registration,
            "receipt_filed",
            receipt_number=receipt_number(registration),
        )
    return registrations


async def end_member_registration(
    session: AsyncSession, principal: Principal, registration_id: int, *, reason: str
) -> MemberRegistration:
    (registration,) = await slips.locked(session, [registration_id], field="id")
    await slips.end_registration(session, principal, registration, inputs.reason(reason))
    return registration
