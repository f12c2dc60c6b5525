"""微心愿: the community posts a resident's wish; a member registered in that community
claims it, fulfils it and says how; the community confirms. A claim not fulfilled in time
lapses and the wish is open again.

open → claimed → fulfilled → confirmed; open or claimed → cancelled (by the community,
with a reason); claimed → open when the claim lapses (`release_lapsed`).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from infra.personal_data import PersonalData
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.registration import standing
from services.registry import fields
from services.registry.models import Member
from services.wishes import places, repository
from services.wishes.errors import (
    InvalidWish,
    WishAlreadyClaimed,
    WishClosed,
    WishDeadlinePassed,
    WishMemberNotRegistered,
    WishNotFound,
)
from services.wishes.models import Wish, WishStatus
from services.wishes.repository import WishFilter
from tenants.hierarchy.service import get_node, ref

RESOURCE = "wish"
# A claim holds at most this many days after it is taken, and never past the wish's
# deadline: a wish a member took and forgot goes back to the others in time.
CLAIM_DAYS = 14
# How far ahead a deadline may be set.
DEADLINE_MAX_DAYS = 365
CONTENT_MAX_LENGTH = 500
CATEGORY_MAX_LENGTH = 20
NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 200

LABELS = {
    "placeId": "居民所在地",
    "content": "心愿内容",
    "category": "心愿类别",
    "residentName": "居民姓名",
    "residentPhone": "联系电话",
    "deadline": "截止日期",
    "note": "完成情况",
    "reason": "取消原因",
}
clean = fields.Cleaner(InvalidWish, LABELS)

# How a wish's state reads in a refusal: 该微心愿已被取消，不能认领.
STATE_PHRASES = {
    WishStatus.OPEN: "尚未被认领",
    WishStatus.CLAIMED: "已被认领，尚未完成",
    WishStatus.FULFILLED: "已完成，正等待社区确认",
    WishStatus.CONFIRMED: "已经社区确认",
    WishStatus.CANCELLED: "已被取消",
}


@dataclass(frozen=True)
class WishDraft:
    """A wish as typed in, checked by `post_wish`."""

    place_id: int
    content: object = None
    category: object = None
    resident_name: object = None
    resident_phone: object = None
    deadline: date | None = None


def here(wish: Wish) -> tuple[int, str]:
    return wish.node_id, wish.scope_path


def _closed(wish: Wish, wanted: str) -> WishClosed:
    return WishClosed(f"该微心愿{STATE_PHRASES[wish.status]}，不能{wanted}", field="id")


async def get_wish(session: AsyncSession, wish_id: int, *, for_update: bool = False) -> Wish:
    found = await repository.get_wish(session, wish_id, for_update=for_update)
    if found is None:
        raise WishNotFound("未找到该微心愿", field="id")
    return found


async def _member_community(session: AsyncSession, principal: Principal) -> int | None:
    if principal.member_id is None:
        return None
    return await standing.member_community(session, principal.member_id)


def _holds_claim(principal: Principal, wish: Wish) -> bool:
    return principal.member_id is not None and wish.claimed_by_member_id == principal.member_id


async def _require_read(session: AsyncSession, principal: Principal, wish: Wish) -> None:
    """Staff where the wish is; a member for their own claims and the open wishes of the
    community where they are registered."""
    if access.may(principal, wish.scope_path, RESOURCE, "read"):
        return
    owned = _holds_claim(principal, wish)
    if not owned and wish.status is WishStatus.OPEN and wish.deadline >= today():
        owned = await _member_community(session, principal) == wish.community_id
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=here(wish),
        object_id=str(wish.id),
        owned=owned,
    )


async def read_wish(session: AsyncSession, principal: Principal, wish_id: int) -> Wish:
    wish = await get_wish(session, wish_id)
    await _require_read(session, principal, wish)
    return wish


async def list_wishes(
    session: AsyncSession, principal: Principal, page: Page, where: WishFilter
) -> PageOf[Wish]:
    """Wishes where the principal is staff; a member's own claims and the open wishes
    they may claim. Newest first."""
    community = await _member_community(session, principal)
    own = repository.own_wishes(principal.member_id, community, today())
    scope = access.scope_or_own(principal, RESOURCE, "read", Wish.scope_path, own)
    return await repository.wishes_page(session, scope, page, where)


async def _log(
    session: AsyncSession, principal: Principal, wish: Wish, step: str, **detail: Any
) -> None:
    """The event and audit entry of a step; never the resident's name or phone."""
    await record_step(
        session,
        principal,
        type=f"wish.{step}",
        node=here(wish),
        object_type=RESOURCE,
        object_id=wish.id,
        payload={**_named(wish), **detail},
    )


def _named(wish: Wish) -> dict[str, Any]:
    return {
        "wish_id": wish.id,
        "community_id": wish.community_id,
        "node_id": wish.node_id,
        "status": wish.status.value,
        "member_id": wish.claimed_by_member_id,
    }


def _deadline(value: date | None) -> date:
    if value is None:
        raise InvalidWish("「截止日期」不能为空", field="deadline")
    if value < today():
        raise InvalidWish("「截止日期」不能早于今天", field="deadline")
    if value > today() + timedelta(days=DEADLINE_MAX_DAYS):
        raise InvalidWish(f"「截止日期」不能晚于 {DEADLINE_MAX_DAYS} 天之后", field="deadline")
    return value


async def post_wish(
    session: AsyncSession, principal: Principal, personal: PersonalData, draft: WishDraft
) -> Wish:
    """The community posts a resident's wish (the resident's name and phone sealed)."""
    place = await get_node(session, draft.place_id)
    access.require(session, principal, resource=RESOURCE, action="post", node=ref(place))
    community = await places.community_of(session, place, field="placeId")
    content = clean("content", lambda v: fields.required_text(v, CONTENT_MAX_LENGTH), draft.content)
    category = clean(
        "category", lambda v: fields.optional_text(v, CATEGORY_MAX_LENGTH), draft.category
    )
    name = clean("residentName", fields.person_name, draft.resident_name)
    phone = clean("residentPhone", fields.contact_phone, draft.resident_phone)
    if phone is None:
        raise InvalidWish("「联系电话」不能为空", field="residentPhone")
    wish = Wish(
        tenant_id=bound_tenant(session),
        node_id=place.id,
        scope_path=place.path,
        community_id=community.id,
        content=content,
        category=category,
        resident_name_sealed=personal.seal(name),
        resident_phone_sealed=personal.seal(phone),
        deadline=_deadline(draft.deadline),
        status=WishStatus.OPEN,
        posted_by=principal.account_id,
    )
    session.add(wish)
    await session.flush()
    await _log(
        session,
        principal,
        wish,
        "posted",
        category=category,
        deadline=wish.deadline.isoformat(),
        community_name=community.name,
    )
    return wish


async def claim_wish(session: AsyncSession, principal: Principal, wish_id: int) -> Wish:
    """A member registered in the wish's community takes it on. The wish is locked, so
    of two members claiming at once exactly one holds it."""
    wish = await get_wish(session, wish_id, for_update=True)
    community = await _member_community(session, principal)
    if (
        principal.member_id is not None
        and community is None
        and access.may_own(principal, RESOURCE, "claim")
    ):
        raise WishMemberNotRegistered(
            "您尚未在居住地社区完成报到（须经社区确认），报到后才能认领微心愿", field="id"
        )
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="claim",
        node=here(wish),
        object_id=str(wish.id),
        owned=community is not None and community == wish.community_id,
    )
    if wish.status is not WishStatus.OPEN:
        if _holds_claim(principal, wish):
            raise WishClosed("您已认领该微心愿，无需重复认领", field="id")
        if wish.status is WishStatus.CLAIMED:
            raise WishAlreadyClaimed("该微心愿已被其他党员认领", field="id")
        raise _closed(wish, "认领")
    day = today()
    if wish.deadline < day:
        raise WishDeadlinePassed(
            f"该微心愿的截止日期（{wish.deadline}）已过，不能再认领", field="id"
        )
    assert principal.member_id is not None
    wish.status = WishStatus.CLAIMED
    wish.claimed_by_member_id = principal.member_id
    wish.claimed_at = now()
    wish.claim_due_on = min(wish.deadline, day + timedelta(days=CLAIM_DAYS))
    await session.flush()
    await _log(session, principal, wish, "claimed", claim_due_on=wish.claim_due_on.isoformat())
    return wish


async def fulfill_wish(
    session: AsyncSession, principal: Principal, wish_id: int, *, note: str
) -> Wish:
    """The member who holds the claim says the wish is fulfilled, and how."""
    wish = await get_wish(session, wish_id, for_update=True)
    await _require_read(session, principal, wish)
    if wish.status is not WishStatus.CLAIMED:
        raise _closed(wish, "登记完成")
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="claim",
        node=here(wish),
        object_id=str(wish.id),
        owned=_holds_claim(principal, wish),
    )
    if wish.claim_due_on is not None and wish.claim_due_on < today():
        raise WishDeadlinePassed(
            f"您的认领已于 {wish.claim_due_on} 到期，不能再登记完成；该微心愿将退回待认领",
            field="id",
        )
    cleaned = clean("note", lambda v: fields.required_text(v, NOTE_MAX_LENGTH), note)
    wish.status, wish.fulfillment_note = WishStatus.FULFILLED, cleaned
    wish.fulfilled_at = now()
    await session.flush()
    await _log(session, principal, wish, "fulfilled", note=cleaned)
    return wish


async def _for_staff(
    session: AsyncSession, principal: Principal, wish_id: int, action: str
) -> Wish:
    wish = await get_wish(session, wish_id, for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action=action,
        node=here(wish),
        object_id=str(wish.id),
    )
    return wish


async def confirm_wish(
    session: AsyncSession, principal: Principal, wish_id: int, *, note: str | None = None
) -> Wish:
    """The community confirms with the resident that the wish was fulfilled."""
    wish = await _for_staff(session, principal, wish_id, "manage")
    cleaned = clean("note", lambda v: fields.optional_text(v, NOTE_MAX_LENGTH), note)
    if wish.status is not WishStatus.FULFILLED:
        raise _closed(wish, "确认")
    wish.status, wish.confirmation_note = WishStatus.CONFIRMED, cleaned
    wish.confirmed_by, wish.confirmed_at = principal.account_id, now()
    await session.flush()
    await _log(session, principal, wish, "confirmed", note=cleaned)
    return wish


async def cancel_wish(
    session: AsyncSession, principal: Principal, wish_id: int, *, reason: str
) -> Wish:
    """The community withdraws a wish not yet fulfilled (kept, with the reason)."""
    wish = await _for_staff(session, principal, wish_id, "manage")
    cleaned = clean("reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), reason)
    if wish.status not in (WishStatus.OPEN, WishStatus.CLAIMED):
        raise _closed(wish, "取消")
    wish.status, wish.cancel_reason = WishStatus.CANCELLED, cleaned
    wish.cancelled_by, wish.cancelled_at = principal.account_id, now()
    await session.flush()
    await _log(session, principal, wish, "cancelled", reason=cleaned)
    return wish


async def release_lapsed(session: AsyncSession, today: date) -> list[Wish]:
    """Claims not fulfilled by their last day (the deadline, or CLAIM_DAYS after claiming)
    go back to open, each with a `wish.released` event. The workers run this daily."""
    released = await repository.lapsed_claims(session, today)
    for wish in released:
        lapsed = {
            "member_id": wish.claimed_by_member_id,
            "claim_due_on": wish.claim_due_on.isoformat() if wish.claim_due_on else None,
        }
        wish.status = WishStatus.OPEN
        wish.claimed_by_member_id, wish.claimed_at, wish.claim_due_on = None, None, None
        wish.released_count += 1
        await session.flush()
        await record_step(
            session,
            None,
            type="wish.released",
            node=here(wish),
            object_type=RESOURCE,
            object_id=wish.id,
            payload={**_named(wish), **lapsed},
        )
    return released


def may_see_claimant(principal: Principal, member: Member) -> bool:
    """The claimant's register entry: to themself, and to whoever may read it there."""
    return principal.member_id == member.id or access.may(
        principal, member.scope_path, "member", "read"
    )
