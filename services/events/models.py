"""The events table: the transactional outbox and the ordered log partners read."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, Xid8


class Event(Base):
    """Something that happened in a tenant, written in the transaction that made it happen.

    `transaction_id` lets a reader of the log take only events whose transaction is
    visible to every snapshot, so no event that commits late is skipped.
    """

    __tablename__ = "events"
    __table_args__ = (
        # The relay and partners' replay read a county's log in (transaction_id, id) order.
        Index("ix_events_tenant_id_transaction_id_id", "tenant_id", "transaction_id", "id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    transaction_id: Mapped[int] = mapped_column(Xid8(), server_default=text("pg_current_xact_id()"))
    type: Mapped[str] = mapped_column(Text)
    # The hierarchy path of the node the event concerns: partners follow a subtree.
    scope_path: Mapped[str | None] = mapped_column(Text(collation="C"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
