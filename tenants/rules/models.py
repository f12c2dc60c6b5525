"""The table of rules versions: each county's rules, each with the day it takes effect."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base


class RulesVersion(Base):
    """One version of a county's rules. Versions are never changed: a correction is a new
    version, so a past period is always judged by what was in force then."""

    __tablename__ = "tenant_rules"
    __table_args__ = (
        Index("ix_tenant_rules_tenant_id_effective_from", "tenant_id", "effective_from"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    # `Rules.to_stored()`: read back with `Rules.from_stored`, which fills keys added since.
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The name of who set it, as it was then.
    created_by: Mapped[str] = mapped_column(Text)
    # Why it changed.
    note: Mapped[str | None] = mapped_column(Text)
