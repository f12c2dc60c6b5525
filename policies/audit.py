"""The audit log: append-only (the app role may insert and read, never change or delete).

Successful actions are written in their own transaction, so an entry exists exactly when
the action does. Denials and failures are written in a transaction of their own after the
operation ends, so they survive the rollback of the operation they refused.
"""

import enum
from datetime import datetime
from typing import Any, TypedDict, Unpack
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, bound_tenant, enum_column, write_regardless
from infra.observability import client_address_var, request_id_var
from policies.principal import Principal


class AuditOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    DENIED = "denied"
    FAILED = "failed"


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_audit_log_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # `user`, `platform_admin`, `api_key`, or `anonymous` (a failed sign-in).
    actor_kind: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(Text)
    actor_name: Mapped[str | None] = mapped_column(Text)
    # Dotted, subject first: `session.signed_in`, `role_grant.created`, `node.moved`.
    action: Mapped[str] = mapped_column(Text)
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome, "audit_outcome"))
    node_id: Mapped[int | None] = mapped_column(BigInteger)
    # The node's path when it happened: the log is history, it does not follow moves.
    scope_path: Mapped[str | None] = mapped_column(Text(collation="C"))
    object_type: Mapped[str | None] = mapped_column(Text)
    object_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    client_address: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)


class Particulars(TypedDict, total=False):
    """What an entry says besides its action, outcome and actor."""

    node: tuple[int, str] | None
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any] | None
    # Who tried, when there is no principal (the name a failed sign-in gave).
    actor_name: str | None


def _entry(
    session: AsyncSession,
    *,
    action: str,
    outcome: AuditOutcome,
    actor: Principal | None,
    particulars: Particulars,
) -> AuditEntry:
    node = particulars.get("node")
    return AuditEntry(
        tenant_id=bound_tenant(session),
        actor_kind=actor.kind.value if actor else "anonymous",
        actor_id=str(actor.id) if actor else None,
        actor_name=actor.name if actor else particulars.get("actor_name"),
        action=action,
        outcome=outcome,
        node_id=node[0] if node else None,
        scope_path=node[1] if node else None,
        object_type=particulars.get("object_type"),
        object_id=particulars.get("object_id"),
        detail=particulars.get("detail") or {},
        client_address=client_address_var.get(),
        request_id=request_id_var.get(),
    )


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor: Principal | None,
    **particulars: Unpack[Particulars],
) -> None:
    """A successful action, in the action's own transaction."""
    session.add(
        _entry(
            session,
            action=action,
            outcome=AuditOutcome.SUCCEEDED,
            actor=actor,
            particulars=particulars,
        )
    )
    await session.flush()


def record_refusal(
    session: AsyncSession,
    *,
    action: str,
    outcome: AuditOutcome,
    actor: Principal | None,
    **particulars: Unpack[Particulars],
) -> None:
    """A denial or failure, kept even though the operation is rolled back."""
    _write_regardless(
        _entry(session, action=action, outcome=outcome, actor=actor, particulars=particulars),
        session,
    )


def record_disclosure(
    session: AsyncSession,
    *,
    action: str,
    actor: Principal | None,
    **particulars: Unpack[Particulars],
) -> None:
    """Personal data shown in clear: kept whatever becomes of the request that read it
    (the data may have left even if the request then failed)."""
    _write_regardless(
        _entry(
            session,
            action=action,
            outcome=AuditOutcome.SUCCEEDED,
            actor=actor,
            particulars=particulars,
        ),
        session,
    )


def _write_regardless(entry: AuditEntry, session: AsyncSession) -> None:
    async def write(alone: AsyncSession) -> None:
        alone.add(entry)

    write_regardless(session, entry.tenant_id, write)
