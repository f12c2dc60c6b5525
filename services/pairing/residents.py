"""Who a household is (personal data): masked for everyone who may read the household; in
clear to staff who may read personal data at its place (`household read_personal`) and
to those paired with it while the pairing is in force (`read_personal:own`) — they need
to reach the household. Every clear read is written to the audit log."""

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.personal_data import PersonalData, mask_mobile, mask_name
from policies import access, audit
from policies.principal import Principal
from services.pairing.models import CommitmentStatus, Household, Pairing

RESOURCE = "household"
ACTION = "read_personal"
ADDRESS_SHOWN = 4


class HouseholdField(enum.StrEnum):
    CONTACT_NAME = "contact_name"
    PHONE = "phone"
    ADDRESS = "address"
    MEMBERS = "members"


@dataclass(frozen=True)
class Person:
    name: str
    relation: str


def mask_address(address: str) -> str:
    """东园小区****: the first few characters, the rest hidden."""
    return address[:ADDRESS_SHOWN] + "****" if len(address) > ADDRESS_SHOWN else "****"


def holds_pairing(principal: Principal, pairings: Sequence[Pairing]) -> bool:
    """The caller (as a member, or its unit) is paired with the household, in force today."""
    on = today()
    return any(
        p.status is CommitmentStatus.ACTIVE
        and p.starts_on <= on
        and (p.ends_on is None or p.ends_on >= on)
        and (
            (principal.member_id is not None and p.member_id == principal.member_id)
            or (principal.unit_id is not None and p.unit_id == principal.unit_id)
        )
        for p in pairings
    )


def may_see_clear(principal: Principal, household: Household, pairings: Sequence[Pairing]) -> bool:
    if access.may(principal, household.scope_path, RESOURCE, ACTION):
        return True
    return holds_pairing(principal, pairings) and access.may_own(principal, RESOURCE, ACTION)


def _sealed(household: Household, field: HouseholdField) -> bytes | None:
    return {
        HouseholdField.CONTACT_NAME: household.contact_name_sealed,
        HouseholdField.PHONE: household.phone_sealed,
        HouseholdField.ADDRESS: household.address_sealed,
        HouseholdField.MEMBERS: household.members_sealed,
    }[field]


def _mask(field: HouseholdField, value: str) -> str:
    if field is HouseholdField.CONTACT_NAME:
        return mask_name(value)
    if field is HouseholdField.PHONE:
        return mask_mobile(value)
    return mask_address(value)


def masked(household: Household, personal: PersonalData, field: HouseholdField) -> str | None:
    sealed = _sealed(household, field)
    return None if sealed is None else _mask(field, personal.open(sealed))


def members(household: Household, personal: PersonalData, *, clear: bool) -> list[Person]:
    """The household's members; names masked unless `clear` (call `reveal` first)."""
    if household.members_sealed is None:
        return []
    listed = json.loads(personal.open(household.members_sealed))
    return [
        Person(name=p["name"] if clear else mask_name(p["name"]), relation=p["relation"])
        for p in listed
    ]


def require_clear(
    session: AsyncSession,
    principal: Principal,
    household: Household,
    pairings: Sequence[Pairing],
    field: HouseholdField,
) -> None:
    """Refuse (audited) a caller who may not see the field in clear; audit one who may."""
    node = (household.node_id, household.scope_path)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action=ACTION,
        node=node,
        object_id=str(household.id),
        owned=holds_pairing(principal, pairings),
    )
    audit.record_disclosure(
        session,
        action=f"household.{field.value}.read",
        actor=principal,
        node=node,
        object_type=RESOURCE,
        object_id=str(household.id),
    )


def reveal(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    household: Household,
    pairings: Sequence[Pairing],
    field: HouseholdField,
) -> str | None:
    """The contact's name, phone or address in clear, for those who may see it."""
    sealed = _sealed(household, field)
    if sealed is None:
        return None
    require_clear(session, principal, household, pairings, field)
    return personal.open(sealed)
