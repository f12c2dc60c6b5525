"""The workers' own tables: relay cursors, scheduled runs, dead-lettered messages."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, Xid8


class RelayCursor(Base):
    """How far the relay has handed a tenant's events to the broker: the (transaction,
    event) position of the last event relayed, in the log's (transaction_id, id) order."""

    __tablename__ = "relay_cursors"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    transaction_id: Mapped[int] = mapped_column(Xid8(), server_default=text("'0'::xid8"))
    event_id: Mapped[int] = mapped_column(BigInteger, server_default="0")
    relayed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScheduleRun(Base):
    """That a scheduled job ran for a tenant at one due time: written in the job's own
    transaction, so it exists exactly when the job's work was committed."""

    __tablename__ = "schedule_runs"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    job: Mapped[str] = mapped_column(Text, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FailedMessage(Base):
    """A message that exhausted its retries (a dead letter), kept for admins to see and
    send again."""

    __tablename__ = "failed_messages"
    # Newest first, a page at a time.
    __table_args__ = (
        Index("ix_failed_messages_tenant_id_failed_at_id", "tenant_id", "failed_at", "id"),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    actor: Mapped[str] = mapped_column(Text)
    queue_name: Mapped[str] = mapped_column(Text)
    # The event the message carried (every consumer's message does); None for others.
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(Text)
    args: Mapped[list[Any]] = mapped_column(JSONB)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retried_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retried_by: Mapped[UUID | None] = mapped_column()
    # The message sent again, so a second failure can be traced to this one.
    retry_message_id: Mapped[str | None] = mapped_column(Text)
