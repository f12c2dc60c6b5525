"""Whistle calls (吹哨报到): blown for a subtree, answered by registered units and members."""

import enum
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column


class WhistleKind(enum.StrEnum):
    EMERGENCY = "emergency"
    ROUTINE = "routine"


class WhistleStatus(enum.StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RecipientKind(enum.StrEnum):
    UNIT = "unit"
    MEMBER = "member"


class Answer(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


WHISTLE_KIND_NAMES = {WhistleKind.EMERGENCY: "紧急", WhistleKind.ROUTINE: "常规"}
WHISTLE_STATUS_NAMES = {
    WhistleStatus.OPEN: "召集中",
    WhistleStatus.ESCALATED: "已上报上级",
    WhistleStatus.CLOSED: "已结束",
    WhistleStatus.CANCELLED: "已取消",
}
ANSWER_NAMES = {Answer.PENDING: "未回应", Answer.ACCEPTED: "已接受", Answer.DECLINED: "已婉拒"}


class WhistleCall(Base):
    """A street or community blows the whistle (吹哨) for its subtree: how many members
    and units it needs, with which skills, where and when, answered by a deadline."""

    __tablename__ = "whistle_calls"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "escalated_from_id"], ["whistle_calls.tenant_id", "whistle_calls.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "need_id"], ["needs.tenant_id", "needs.id"]),
        Index("ix_whistle_calls_tenant_id_scope_path", "tenant_id", "scope_path"),
        # What the escalation run looks for: open calls past their deadline.
        Index("ix_whistle_calls_tenant_id_status_respond_by", "tenant_id", "status", "respond_by"),
        Index("ix_whistle_calls_tenant_id_escalated_from_id", "tenant_id", "escalated_from_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The node blown for: its whole subtree is asked.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    kind: Mapped[WhistleKind] = mapped_column(enum_column(WhistleKind, "whistle_kind"))
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    members_wanted: Mapped[int] = mapped_column(Integer)
    units_wanted: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text))
    place: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    respond_by: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The need (需求清单) the call answers. No foreign key yet: the needs table is being
    # built beside this one; the key comes with it.
    need_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[WhistleStatus] = mapped_column(enum_column(WhistleStatus, "whistle_status"))
    # The call this one was raised from, at the node below, for what it fell short of.
    escalated_from_id: Mapped[int | None] = mapped_column(BigInteger)
    blown_by: Mapped[UUID | None]
    blown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[UUID | None]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[UUID | None]
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class WhistleRecipient(Base):
    """A unit or a member asked by a call, and their answer. Written for every recipient
    at once when the call is blown (the registered units and members of the subtree then)."""

    __tablename__ = "whistle_recipients"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "whistle_call_id"], ["whistle_calls.tenant_id", "whistle_calls.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_recipient"),
        # A call's answers (the counts and the recipients list).
        Index(
            "ix_whistle_recipients_tenant_id_whistle_call_id_status",
            "tenant_id",
            "whistle_call_id",
            "status",
        ),
        # Asked once per call; and the calls a unit or a member received.
        Index(
            "uq_whistle_recipients_unit",
            "tenant_id",
            "unit_id",
            "whistle_call_id",
            unique=True,
            postgresql_where=text("unit_id IS NOT NULL"),
        ),
        Index(
            "uq_whistle_recipients_member",
            "tenant_id",
            "member_id",
            "whistle_call_id",
            unique=True,
            postgresql_where=text("member_id IS NOT NULL"),
        ),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    whistle_call_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[Answer] = mapped_column(enum_column(Answer, "whistle_answer"))
    note: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[UUID | None]
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def kind(self) -> RecipientKind:
        return RecipientKind.UNIT if self.unit_id is not None else RecipientKind.MEMBER
