"""Every query of whistle calls and their recipients."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import Uuid

from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from policies.paths import in_subtree
from services.registration.standing import registered_members_within, registered_units_within
from services.registry.models import Member, RegistryStatus, Unit
from services.whistles.models import Answer, WhistleCall, WhistleRecipient, WhistleStatus
from tenants.hierarchy.models import Node


async def get_call(
    session: AsyncSession, call_id: int, *, lock: str | None = None
) -> WhistleCall | None:
    """A call; `lock` 'update' for a change of the call itself, 'share' for an answer (many
    answers at once, none while the call is being closed)."""
    query = select(WhistleCall).where(WhistleCall.id == call_id)
    if lock is not None:
        query = query.with_for_update(read=lock == "share").execution_options(
            populate_existing=True
        )
    found: WhistleCall | None = await session.scalar(query)
    return found


async def calls_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, WhistleCall]:
    query = select(WhistleCall).where(WhistleCall.id.in_(list(ids)))
    return {row.id: row for row in await session.scalars(query)}


async def escalations_of(session: AsyncSession, ids: Collection[int]) -> dict[int, WhistleCall]:
    """The call raised from each of these (at the node above), where there is one."""
    query = select(WhistleCall).where(WhistleCall.escalated_from_id.in_(list(ids)))
    return {
        row.escalated_from_id: row
        for row in await session.scalars(query)
        if row.escalated_from_id is not None
    }


async def chain(session: AsyncSession, call: WhistleCall) -> list[int]:
    """The call and those it was raised from, down to the first (a few at most: one per
    level of the hierarchy)."""
    ids = [call.id]
    below = call.escalated_from_id
    while below is not None:
        ids.append(below)
        below = await session.scalar(
            select(WhistleCall.escalated_from_id).where(WhistleCall.id == below)
        )
    return ids


@dataclass(frozen=True)
class WhistleFilter:
    within: str | None = None
    status: WhistleStatus | None = None


async def calls_page(
    session: AsyncSession, scope: ColumnElement[bool], page: Page, where: WhistleFilter
) -> PageOf[WhistleCall]:
    query = select(WhistleCall).where(scope, *in_subtree(WhistleCall.scope_path, where.within))
    if where.status is not None:
        query = query.where(WhistleCall.status == where.status)
    return await fetch_page(session, query, [WhistleCall.id], page, descending=True)


# --- recipients ------------------------------------------------------------------------


async def ask_recipients(
    session: AsyncSession, call: WhistleCall, *, already_asked: Sequence[int] = ()
) -> None:
    """Write the call's recipients in one INSERT … SELECT: the active units registered
    with a community in the subtree (when units are wanted) and the active members
    registered where they live in it (when members are wanted; with one of the skills,
    when skills are given), leaving out whoever the calls `already_asked` asked."""
    tenant = literal(bound_tenant(session), Uuid)
    call_id = literal(call.id, BigInteger)
    pending = literal(Answer.PENDING, WhistleRecipient.__table__.c.status.type)
    asked = aliased(WhistleRecipient)
    branches = []
    if call.units_wanted > 0:
        units = select(tenant, call_id, Unit.id, cast(null(), BigInteger), pending).where(
            Unit.id.in_(registered_units_within(call.scope_path)),
            Unit.status == RegistryStatus.ACTIVE,
        )
        if already_asked:
            units = units.where(
                ~exists().where(asked.whistle_call_id.in_(already_asked), asked.unit_id == Unit.id)
            )
        branches.append(units)
    if call.members_wanted > 0:
        members = select(tenant, call_id, cast(null(), BigInteger), Member.id, pending).where(
            Member.id.in_(registered_members_within(call.scope_path)),
            Member.status == RegistryStatus.ACTIVE,
        )
        if call.skills:
            members = members.where(Member.skills.overlap(list(call.skills)))
        if already_asked:
            members = members.where(
                ~exists().where(
                    asked.whistle_call_id.in_(already_asked), asked.member_id == Member.id
                )
            )
        branches.append(members)
    if not branches:
        return
    columns = ["tenant_id", "whistle_call_id", "unit_id", "member_id", "status"]
    source = branches[0] if len(branches) == 1 else union_all(*branches)
    await session.execute(insert(WhistleRecipient).from_select(columns, source))


@dataclass(frozen=True)
class Counts:
    """Who was asked and how they answered, as of the query."""

    members_asked: int = 0
    units_asked: int = 0
    accepted_members: int = 0
    accepted_units: int = 0
    declined: int = 0
    pending: int = 0


async def counts(session: AsyncSession, call_ids: Collection[int]) -> dict[int, Counts]:
    """The live counts of each call, in one aggregate query."""
    r = WhistleRecipient
    is_member, is_unit = r.member_id.is_not(None), r.unit_id.is_not(None)
    accepted = r.status == Answer.ACCEPTED
    query = (
        select(
            r.whistle_call_id,
            func.count().filter(is_member),
            func.count().filter(is_unit),
            func.count().filter(and_(is_member, accepted)),
            func.count().filter(and_(is_unit, accepted)),
            func.count().filter(r.status == Answer.DECLINED),
            func.count().filter(r.status == Answer.PENDING),
        )
        .where(r.whistle_call_id.in_(list(call_ids)))
        .group_by(r.whistle_call_id)
    )
    return {row[0]: Counts(*row[1:]) for row in await session.execute(query)}


def own_recipients(member_id: int | None, unit_id: int | None) -> ColumnElement[bool]:
    """The recipient rows of a member (themself) or a unit admin (their unit)."""
    mine = [WhistleRecipient.member_id == member_id] if member_id is not None else []
    if unit_id is not None:
        mine.append(WhistleRecipient.unit_id == unit_id)
    return or_(*mine) if mine else false()


async def recipients_of(
    session: AsyncSession, call_id: int, own: ColumnElement[bool], *, for_update: bool = False
) -> list[WhistleRecipient]:
    query = (
        select(WhistleRecipient)
        .where(WhistleRecipient.whistle_call_id == call_id, own)
        .order_by(WhistleRecipient.id)
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def own_answers(
    session: AsyncSession, call_ids: Collection[int], own: ColumnElement[bool]
) -> list[WhistleRecipient]:
    query = (
        select(WhistleRecipient)
        .where(WhistleRecipient.whistle_call_id.in_(list(call_ids)), own)
        .order_by(WhistleRecipient.id)
    )
    return list(await session.scalars(query))


async def recipients_page(
    session: AsyncSession, call_id: int, page: Page, answer: Answer | None
) -> PageOf[WhistleRecipient]:
    query = select(WhistleRecipient).where(WhistleRecipient.whistle_call_id == call_id)
    if answer is not None:
        query = query.where(WhistleRecipient.status == answer)
    return await fetch_page(session, query, [WhistleRecipient.id], page)


async def received_page(
    session: AsyncSession,
    own: ColumnElement[bool],
    page: Page,
    *,
    status: WhistleStatus | None,
    answer: Answer | None,
) -> PageOf[WhistleRecipient]:
    """The calls a unit or a member received (as their recipient rows), newest first."""
    query = (
        select(WhistleRecipient)
        .join(WhistleCall, WhistleCall.id == WhistleRecipient.whistle_call_id)
        .where(own)
    )
    if status is not None:
        query = query.where(WhistleCall.status == status)
    if answer is not None:
        query = query.where(WhistleRecipient.status == answer)
    return await fetch_page(session, query, [WhistleRecipient.id], page, descending=True)


# --- escalation --------------------------------------------------------------------------


def _accepted(kind: Any) -> Any:
    return (
        select(func.count())
        .where(
            WhistleRecipient.whistle_call_id == WhistleCall.id,
            kind.is_not(None),
            WhistleRecipient.status == Answer.ACCEPTED,
        )
        .scalar_subquery()
    )


async def due_for_escalation(session: AsyncSession, now: datetime) -> list[WhistleCall]:
    """Open calls whose deadline passed short of what they asked, still running, at a node
    that has a node above; locked, leaving rows another run holds to it (SKIP LOCKED)."""
    query = (
        select(WhistleCall)
        .join(Node, Node.id == WhistleCall.node_id)
        .where(
            WhistleCall.status == WhistleStatus.OPEN,
            WhistleCall.respond_by <= now,
            WhistleCall.ends_at > now,
            Node.parent_id.is_not(None),
            or_(
                _accepted(WhistleRecipient.member_id) < WhistleCall.members_wanted,
                _accepted(WhistleRecipient.unit_id) < WhistleCall.units_wanted,
            ),
        )
        .order_by(WhistleCall.id)
        .with_for_update(of=WhistleCall, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(query))
