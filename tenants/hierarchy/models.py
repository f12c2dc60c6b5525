"""The node table: one row per division or place of a county's hierarchy."""

import enum
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Sequence,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column

# Ids come from a sequence (not an identity column): a node's path holds its own id, so
# the id is drawn before the row is written.
NODE_ID = Sequence("nodes_id_seq")


class NodeKind(enum.StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    COMPOUND = "compound"
    BUILDING = "building"
    GRID = "grid"


class NodeStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Node(Base):
    __tablename__ = "nodes"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["nodes.tenant_id", "nodes.id"]),
        UniqueConstraint("tenant_id", "path"),
        UniqueConstraint("tenant_id", "code"),
        Index("ix_nodes_tenant_id_parent_id", "tenant_id", "parent_id"),
        # One root per county, and only the root is a county.
        Index(
            "uq_nodes_tenant_id_root",
            "tenant_id",
            unique=True,
            postgresql_where=text("parent_id IS NULL"),
        ),
        CheckConstraint("(parent_id IS NULL) = (kind = 'county')", name="root_is_county"),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, NODE_ID, primary_key=True)
    kind: Mapped[NodeKind] = mapped_column(enum_column(NodeKind, "node_kind"))
    # The 12-digit statistical division code (统计用区划代码) where one exists.
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(Text(collation="C"))
    status: Mapped[NodeStatus] = mapped_column(
        enum_column(NodeStatus, "node_status"), server_default=NodeStatus.ACTIVE.value
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
