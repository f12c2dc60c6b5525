"""The resident behind a wish (personal data): masked for everyone; in clear only to the
member who holds the claim (to reach the resident) and to the community staff who manage
wishes there, and every clear read is written to the audit log."""

import enum

from sqlalchemy.ext.asyncio import AsyncSession

from infra.personal_data import PersonalData, mask_mobile, mask_name
from policies import access, audit
from policies.principal import Principal
from services.wishes.models import Wish, WishStatus

# While the claim is held the claimant needs the resident; afterwards no longer.
CLAIM_HELD = (WishStatus.CLAIMED, WishStatus.FULFILLED)


class ResidentField(enum.StrEnum):
    NAME = "name"
    PHONE = "phone"


def _sealed(wish: Wish, field: ResidentField) -> bytes:
    return wish.resident_name_sealed if field is ResidentField.NAME else wish.resident_phone_sealed


def masked(wish: Wish, personal: PersonalData, field: ResidentField) -> str:
    """张*, 138****5678: as everyone who may read the wish sees it."""
    value = personal.open(_sealed(wish, field))
    return mask_name(value) if field is ResidentField.NAME else mask_mobile(value)


def holds_claim(principal: Principal, wish: Wish) -> bool:
    return (
        principal.member_id is not None
        and wish.claimed_by_member_id == principal.member_id
        and wish.status in CLAIM_HELD
    )


def may_see_clear(principal: Principal, wish: Wish) -> bool:
    return holds_claim(principal, wish) or access.may(principal, wish.scope_path, "wish", "manage")


def reveal(
    session: AsyncSession,
    principal: Principal,
    personal: PersonalData,
    wish: Wish,
    field: ResidentField,
) -> str:
    """The resident's name or phone in clear, for the claimant or the managing staff; the
    read is audited whatever becomes of the request that asked."""
    node = (wish.node_id, wish.scope_path)
    if not holds_claim(principal, wish):
        access.require(
            session,
            principal,
            resource="wish",
            action="manage",
            node=node,
            object_id=str(wish.id),
        )
    audit.record_disclosure(
        session,
        action=f"wish.resident_{field.value}.read",
        actor=principal,
        node=node,
        object_type="wish",
        object_id=str(wish.id),
    )
    return personal.open(_sealed(wish, field))
