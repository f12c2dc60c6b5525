"""Pairing and responsibility areas (结对帮扶、包保): areas, households, pairings and visits
(member posts and recognition are in services/pairing/recognition_models.py).

A commitment (an area, a pairing, a post) holds from its first day to its last (none: until
ended); it is *in force* on a day when it is active and the day lies in its period.
"""

import enum
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
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
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from infra.personal_data import sealed_column
from policies.paths import scope_path_column


class CommitmentStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class HouseholdCategory(enum.StrEnum):
    ELDERLY_ALONE = "elderly_alone"
    DISABLED = "disabled"
    HARDSHIP = "hardship"
    LEFT_BEHIND_CHILD = "left_behind_child"
    OTHER = "other"


class HouseholdStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class ReminderSubject(enum.StrEnum):
    MEMBER = "member"
    UNIT = "unit"


COMMITMENT_STATUS_NAMES = {CommitmentStatus.ACTIVE: "生效中", CommitmentStatus.ENDED: "已结束"}
HOUSEHOLD_CATEGORY_NAMES = {
    HouseholdCategory.ELDERLY_ALONE: "独居老人",
    HouseholdCategory.DISABLED: "残疾人",
    HouseholdCategory.HARDSHIP: "困难家庭",
    HouseholdCategory.LEFT_BEHIND_CHILD: "留守儿童",
    HouseholdCategory.OTHER: "其他",
}
HOUSEHOLD_STATUS_NAMES = {HouseholdStatus.ACTIVE: "在册", HouseholdStatus.CLOSED: "已销号"}
ACTIVE = text("status = 'active'")


def node_key(column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], ["nodes.tenant_id", "nodes.id"])


def member_key(column: str = "member_id") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], ["members.tenant_id", "members.id"])


def unit_key(column: str = "unit_id") -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", column], ["units.tenant_id", "units.id"])


class ResponsibilityArea(Base):
    """包保: a unit responsible for a compound or a building, or a member for a group of
    households (its pairings) within a node, for a period and with what is expected."""

    __tablename__ = "responsibility_areas"
    __table_args__ = (
        node_key("node_id"),
        node_key("community_id"),
        unit_key(),
        member_key(),
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_holder"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("visit_every_days IS NULL OR visit_every_days > 0", name="visit_every"),
        CheckConstraint("services_per_year IS NULL OR services_per_year > 0", name="services"),
        Index("ix_responsibility_areas_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_responsibility_areas_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index("ix_responsibility_areas_tenant_id_member_id", "tenant_id", "member_id"),
        # One active area per holder and place.
        Index(
            "uq_responsibility_areas_unit",
            "tenant_id",
            "node_id",
            "unit_id",
            unique=True,
            postgresql_where=text("status = 'active' AND unit_id IS NOT NULL"),
        ),
        Index(
            "uq_responsibility_areas_member",
            "tenant_id",
            "node_id",
            "member_id",
            unique=True,
            postgresql_where=text("status = 'active' AND member_id IS NOT NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # A compound or building for a unit; for a member, the node the households lie in.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # Expected: a visit at least every so many days; so many services a year per household.
    visit_every_days: Mapped[int | None] = mapped_column(Integer)
    services_per_year: Mapped[int | None] = mapped_column(Integer)
    duties: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "commitment_status")
    )
    assigned_by: Mapped[UUID | None]
    assigned_by_name: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ended_by: Mapped[UUID | None]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


class Household(Base):
    """A household in difficulty on a community's register. Who they are (the contact's
    name, phone, address, the household's members) is personal data, sealed at rest."""

    __tablename__ = "households"
    __table_args__ = (
        node_key("node_id"),
        node_key("community_id"),
        CheckConstraint("people > 0", name="people_positive"),
        Index("ix_households_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_households_tenant_id_community_id_status", "tenant_id", "community_id", "status"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Where the household lives: a community, or a compound, building or grid in one.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[HouseholdCategory] = mapped_column(
        enum_column(HouseholdCategory, "household_category")
    )
    contact_name_sealed: Mapped[bytes] = sealed_column()
    phone_sealed: Mapped[bytes | None] = sealed_column(nullable=True)
    address_sealed: Mapped[bytes | None] = sealed_column(nullable=True)
    # The household's members as JSON [{"name", "relation"}], sealed.
    members_sealed: Mapped[bytes | None] = sealed_column(nullable=True)
    people: Mapped[int] = mapped_column(Integer)
    needs: Mapped[str] = mapped_column(Text)
    status: Mapped[HouseholdStatus] = mapped_column(
        enum_column(HouseholdStatus, "household_status")
    )
    registered_by: Mapped[UUID | None]
    registered_by_name: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)


class Pairing(Base):
    """结对: a household and a unit or a member, for a period, with a reason and what is
    expected. `next_visit_due_on` is the last day the next visit is due (kept with each
    visit), so the overdue list is one indexed range."""

    __tablename__ = "pairings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "household_id"], ["households.tenant_id", "households.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "area_id"], ["responsibility_areas.tenant_id", "responsibility_areas.id"]
        ),
        node_key("node_id"),
        node_key("community_id"),
        unit_key(),
        member_key(),
        CheckConstraint("(unit_id IS NULL) <> (member_id IS NULL)", name="one_holder"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
        CheckConstraint("visit_every_days IS NULL OR visit_every_days > 0", name="visit_every"),
        CheckConstraint("services_per_year IS NULL OR services_per_year > 0", name="services"),
        Index("ix_pairings_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_pairings_tenant_id_household_id", "tenant_id", "household_id"),
        Index("ix_pairings_tenant_id_member_id", "tenant_id", "member_id"),
        Index("ix_pairings_tenant_id_unit_id", "tenant_id", "unit_id"),
        Index("ix_pairings_tenant_id_area_id", "tenant_id", "area_id"),
        # What the overdue list and the daily reminders read.
        Index(
            "ix_pairings_tenant_id_next_visit_due_on",
            "tenant_id",
            "next_visit_due_on",
            postgresql_where=ACTIVE,
        ),
        # A household is paired with one member (or unit) once at a time.
        Index(
            "uq_pairings_member",
            "tenant_id",
            "household_id",
            "member_id",
            unique=True,
            postgresql_where=text("status = 'active' AND member_id IS NOT NULL"),
        ),
        Index(
            "uq_pairings_unit",
            "tenant_id",
            "household_id",
            "unit_id",
            unique=True,
            postgresql_where=text("status = 'active' AND unit_id IS NOT NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    # The member's responsibility area this pairing is part of, if any.
    area_id: Mapped[int | None] = mapped_column(BigInteger)
    # The household's place and community (copied: lists are scoped by it).
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    visit_every_days: Mapped[int | None] = mapped_column(Integer)
    services_per_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "commitment_status")
    )
    last_visited_on: Mapped[date | None] = mapped_column(Date)
    next_visit_due_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_by: Mapped[UUID | None]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


class Visit(Base):
    """民情走访: a member's visit to a paired household — when, what was found, what was
    done, whether it needs following up — and the need a finding became. Never deleted
    (the app's role may not); only the need is linked afterwards."""

    __tablename__ = "visits"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "pairing_id"], ["pairings.tenant_id", "pairings.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "household_id"], ["households.tenant_id", "households.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "need_id"], ["needs.tenant_id", "needs.id"]),
        member_key(),
        node_key("node_id"),
        node_key("community_id"),
        CheckConstraint("ended_at > visited_at", name="ends_after_start"),
        Index("ix_visits_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_visits_tenant_id_pairing_id_visited_at", "tenant_id", "pairing_id", "visited_at"),
        Index("ix_visits_tenant_id_member_id_visited_at", "tenant_id", "member_id", "visited_at"),
        Index(
            "ix_visits_tenant_id_household_id_visited_at", "tenant_id", "household_id", "visited_at"
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    pairing_id: Mapped[int] = mapped_column(BigInteger)
    household_id: Mapped[int] = mapped_column(BigInteger)
    # Who visited.
    member_id: Mapped[int] = mapped_column(BigInteger)
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    found: Mapped[str] = mapped_column(Text)
    done: Mapped[str | None] = mapped_column(Text)
    follow_up_needed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    follow_up: Mapped[str | None] = mapped_column(Text)
    need_id: Mapped[int | None] = mapped_column(BigInteger)
    logged_by: Mapped[UUID | None]
    logged_by_name: Mapped[str] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VisitReminder(Base):
    """An overdue-visit reminder written for a member or a unit on a day: at most one."""

    __tablename__ = "visit_reminders"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    remind_on: Mapped[date] = mapped_column(Date, primary_key=True)
    subject: Mapped[ReminderSubject] = mapped_column(
        enum_column(ReminderSubject, "reminder_subject"), primary_key=True
    )
    subject_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
