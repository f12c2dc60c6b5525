"""Role grants: who holds which role at which node, per tenant."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from policies.paths import scope_path_column


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        UniqueConstraint("tenant_id", "user_id", "role", "node_id"),
        Index("ix_role_grants_tenant_id_scope_path", "tenant_id", "scope_path"),
    )

    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    user_id: Mapped[UUID]
    role: Mapped[str] = mapped_column(Text)
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    granted_by: Mapped[UUID | None]
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
