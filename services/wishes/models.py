"""Micro-wishes (微心愿): posted for a resident, claimed by a member, fulfilled, confirmed."""

import enum
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from infra.personal_data import sealed_column
from policies.paths import scope_path_column


class WishStatus(enum.StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


WISH_STATUS_NAMES = {
    WishStatus.OPEN: "待认领",
    WishStatus.CLAIMED: "已认领",
    WishStatus.FULFILLED: "已完成待确认",
    WishStatus.CONFIRMED: "已确认",
    WishStatus.CANCELLED: "已取消",
}


class Wish(Base):
    """A resident's small wish, posted by the community for them: claimed by one member
    registered in that community, fulfilled by that member, confirmed by the community.
    The resident's name and phone are personal data, sealed at rest."""

    __tablename__ = "wishes"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(["tenant_id", "community_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "claimed_by_member_id"], ["members.tenant_id", "members.id"]
        ),
        Index("ix_wishes_tenant_id_scope_path", "tenant_id", "scope_path"),
        # A community's open wishes (what its registered members browse).
        Index("ix_wishes_tenant_id_community_id_status", "tenant_id", "community_id", "status"),
        Index("ix_wishes_tenant_id_claimed_by_member_id", "tenant_id", "claimed_by_member_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Where the resident lives (a community, or a compound, building or grid in it), and
    # the community: only members registered there may claim.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    resident_name_sealed: Mapped[bytes] = sealed_column()
    resident_phone_sealed: Mapped[bytes] = sealed_column()
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[WishStatus] = mapped_column(enum_column(WishStatus, "wish_status"))
    posted_by: Mapped[UUID | None]
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_by_member_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last day the claim holds: the deadline, or CLAIM_DAYS after claiming if sooner.
    claim_due_on: Mapped[date | None] = mapped_column(Date)
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fulfillment_note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[UUID | None]
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmation_note: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[UUID | None]
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # How many times a claim on it lapsed and it went back to open.
    released_count: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
