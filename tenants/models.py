"""Tenants: one county (县/区) each."""

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import CheckConstraint, DateTime, Enum, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base

# The platform's own realm: platform admins' accounts, sessions and audit trail live in
# tenant tables under this reserved id, so one set of tables and rules serves both.
PLATFORM_TENANT_ID = UUID(int=0)
PLATFORM_COUNTY_CODE = "000000"


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Tenant(Base):
    """A county using the platform. Platform-level: it has no `tenant_id` of its own."""

    __tablename__ = "tenants"
    __table_args__ = (CheckConstraint("county_code ~ '^[0-9]{6}$'", name="county_code_format"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    county_code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[TenantStatus] = mapped_column(
        Enum(
            TenantStatus,
            name="tenant_status",
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        server_default=TenantStatus.ACTIVE.value,
    )
    # Why it was last suspended or archived, and when its status last changed.
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
