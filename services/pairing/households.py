"""A community's register of households in difficulty (独居老人、残疾人、困难家庭、留守儿童):
the category, the household's members, what help it needs. Who they are — the contact's
name, phone and address, the members' names — is sealed at rest and shown masked except
to the community's staff and to those paired with the household, every clear read
audited (services/pairing/residents.py).

Registered, corrected and taken off the register (销号, ending its pairings) by staff who
manage households at its place."""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.db import bound_tenant
from infra.personal_data import PersonalData
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.pairing import inputs, pairings, places, repository
from services.pairing.errors import HouseholdClosed, InvalidHousehold
from services.pairing.inputs import clean_household
from services.pairing.models import Household, HouseholdCategory, HouseholdStatus
from services.registry import fields
from tenants.hierarchy.models import Node, NodeKind
from tenants.hierarchy.service import ref

RESOURCE = "household"
PLACE_KINDS = (NodeKind.COMMUNITY, NodeKind.COMPOUND, NodeKind.BUILDING, NodeKind.GRID)
NEEDS_MAX_LENGTH = 500


@dataclass(frozen=True)
class Person:
    """One of the household's members, as typed in."""

    name: object
    relation: object


@dataclass(frozen=True)
class HouseholdDraft:
    place_id: int
    category: HouseholdCategory
    contact_name: object = None
    phone: object = None
    address: object = None
    members: list[Person] = field(default_factory=list)
    people: int | None = None
    needs: object = None


@dataclass(frozen=True)
class Checked:
    contact_name: str
    phone: str | None
    address: str | None
    members: list[dict[str, str]]
    people: int
    needs: str


def here(household: Household) -> tuple[int, str]:
    return household.node_id, household.scope_path


def payload(household: Household) -> dict[str, Any]:
    """What events say of a household: never who they are."""
    return {
        "household_id": household.id,
        "node_id": household.node_id,
        "community_id": household.community_id,
        "category": household.category.value,
        "people": household.people,
        "status": household.status.value,
    }


async def _log(
    session: AsyncSession, principal: Principal, household: Household, step: str, **more: Any
) -> None:
    await record_step(
        session,
        principal,
        type=f"household.{step}",
        node=here(household),
        object_type=RESOURCE,
        object_id=household.id,
        payload={**payload(household), **more},
    )


def _members(given: list[Person]) -> list[dict[str, str]]:
    if len(given) > inputs.MEMBERS_MAX:
        raise InvalidHousehold(f"「家庭成员」不能超过 {inputs.MEMBERS_MAX} 人", field="members")
    cleaned = []
    for person in given:
        name = clean_household("members.name", fields.person_name, person.name)
        relation = clean_household(
            "members.relation",
            lambda v: fields.required_text(v, inputs.RELATION_MAX_LENGTH),
            person.relation,
        )
        cleaned.append({"name": name, "relation": relation})
    return cleaned


def _checked(draft: HouseholdDraft) -> Checked:
    name = clean_household("contactName", fields.person_name, draft.contact_name)
    phone = clean_household("phone", fields.contact_phone, draft.phone)
    address = inputs.optional_text(
        clean_household, "address", draft.address, inputs.ADDRESS_MAX_LENGTH
    )
    members = _members(draft.members)
    people = len(members) + 1 if draft.people is None else draft.people
    if not 1 <= people <= inputs.PEOPLE_MAX:
        raise InvalidHousehold(f"「家庭人口」应在 1 到 {inputs.PEOPLE_MAX} 之间", field="people")
    if people < len(members):
        raise InvalidHousehold("「家庭人口」不能少于所列家庭成员的人数", field="people")
    needs = inputs.required_text(clean_household, "needs", draft.needs, NEEDS_MAX_LENGTH)
    return Checked(name, phone, address, members, people, needs)


async def _place(session: AsyncSession, principal: Principal, place_id: int) -> tuple[Node, Node]:
    place = await places.node(session, place_id, field="placeId")
    access.require(session, principal, resource=RESOURCE, action="manage", node=ref(place))
    places.check_kind(place, PLACE_KINDS, InvalidHousehold, "住户所在地", field="placeId")
    return place, await places.community_of(session, place)


def _fill(
    household: Household,
    personal: PersonalData,
    place: Node,
    community: Node,
    draft: HouseholdDraft,
    checked: Checked,
) -> None:
    household.node_id, household.scope_path = place.id, place.path
    household.community_id = community.id
    household.category = draft.category
    household.contact_name_sealed = personal.seal(checked.contact_name)
    household.phone_sealed = None if checked.phone is None else personal.seal(checked.phone)
    household.address_sealed = None if checked.address is None else personal.seal(checked.address)
    household.members_sealed = (
        personal.seal(json.dumps(checked.members, ensure_ascii=False)) if checked.members else None
    )
    household.people, household.needs = checked.people, checked.needs


async def register_household(
    session: AsyncSession, principal: Principal, personal: PersonalData, draft: HouseholdDraft
) -> Household:
    place, community = await _place(session, principal, draft.place_id)
    checked = _checked(draft)
    household = Household(
        tenant_id=bound_tenant(session),
        status=HouseholdStatus.ACTIVE,
        registered_by=principal.account_id,
        registered_by_name=principal.name,
    )
    _fill(household, personal, place, community, draft, checked)
    session.add(household)
    await session.flush()
    await _log(session, principal, household, "registered")
    return household


async def _managed(session: AsyncSession, principal: Principal, household_id: int) -> Household:
    household = await pairings.get_household(session, household_id, lock=True, field="id")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(household),
        object_id=str(household.id),
    )
    if household.status is not HouseholdStatus.ACTIVE:
        raise HouseholdClosed("该住户已销号，不能再修改", field="id")
    return household


async def update_household(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    household_id: int,
    draft: HouseholdDraft,
) -> Household:
    """Correct a household's entry (all of it, as typed in again). It stays in its
    community: a household that moves away is taken off this register."""
    household = await _managed(session, principal, household_id)
    place, community = await _place(session, principal, draft.place_id)
    if community.id != household.community_id:
        raise InvalidHousehold(
            "住户只能在本社区内调整所在地；迁往其他社区的请销号后由新社区登记", field="placeId"
        )
    checked = _checked(draft)
    moved = place.id != household.node_id
    _fill(household, personal, place, community, draft, checked)
    await session.flush()
    if moved:
        for pairing in await repository.active_pairings_for_update(
            session, household_id=household.id
        ):
            pairing.node_id, pairing.scope_path = place.id, place.path
        await session.flush()
    await _log(session, principal, household, "updated")
    return household


async def close_household(
    session: AsyncSession, principal: Principal, household_id: int, *, reason: str
) -> Household:
    """Take a household off the register (销号) with a reason; its pairings end with it."""
    household = await pairings.get_household(session, household_id, lock=True, field="id")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(household),
        object_id=str(household.id),
    )
    cleaned = inputs.end_reason(InvalidHousehold, reason, "销号原因")
    if household.status is HouseholdStatus.CLOSED:
        raise HouseholdClosed("该住户已销号", field="id")
    household.status, household.closed_at = HouseholdStatus.CLOSED, now()
    household.close_reason = cleaned
    await session.flush()
    await _log(session, principal, household, "closed", reason=cleaned)
    for pairing in await repository.active_pairings_for_update(session, household_id=household.id):
        await pairings.finish(session, principal, pairing, f"住户销号：{cleaned}")
    return household
