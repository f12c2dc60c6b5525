"""Scoring's tables: each member's and unit's totals, the county's last full recompute, and
the quota reminders already written.

One row per member (per unit) holds its all-time totals and its totals for each month
with confirmed service (`months`: yyyymm ascending, the other month arrays aligned with
it); a year, half-year or quarter is the sum of its months (services/scoring/periods.py).
One row, not one per period: a county of 100,000 members and two years of service has
some 4 million (member, period) pairs, and writing that many rows takes the nightly
recompute far past its 10 seconds (measured: 93 s; 10 s for the writes alone), while
100,000 rows take under one.

A row exists only while it counts something: a full recompute writes none for a member
with no confirmed service, and the consumer removes a row taken back to nothing.
"""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base
from policies.paths import scope_path_column

# Hours add up past a record's numeric(6, 2); points are kept exact (hours in hundredths
# times points per hour in hundredths), so adding and recomputing agree to the last digit.
TOTAL_HOURS = Numeric(12, 2)
TOTAL_POINTS = Numeric(16, 4)
EMPTY = text("'{}'")


class MemberScore(Base):
    """A member's confirmed service: all time, and by month. `star_level` is by the
    county's current thresholds, on all-time hours."""

    __tablename__ = "member_scores"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hours: Mapped[Decimal] = mapped_column(TOTAL_HOURS, server_default=text("0"))
    times: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    points: Mapped[Decimal] = mapped_column(TOTAL_POINTS, server_default=text("0"))
    star_level: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    months: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=EMPTY)
    month_hours: Mapped[list[Decimal]] = mapped_column(ARRAY(TOTAL_HOURS), server_default=EMPTY)
    month_times: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=EMPTY)
    month_points: Mapped[list[Decimal]] = mapped_column(ARRAY(TOTAL_POINTS), server_default=EMPTY)


class UnitScore(Base):
    """A unit's totals: its members' confirmed service (attributed to the unit a member is
    in when scored) and the collective activities it finished (by the month they started)."""

    __tablename__ = "unit_scores"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "unit_id"], ["units.tenant_id", "units.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hours: Mapped[Decimal] = mapped_column(TOTAL_HOURS, server_default=text("0"))
    times: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    points: Mapped[Decimal] = mapped_column(TOTAL_POINTS, server_default=text("0"))
    collective_activities: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    months: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=EMPTY)
    month_hours: Mapped[list[Decimal]] = mapped_column(ARRAY(TOTAL_HOURS), server_default=EMPTY)
    month_times: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=EMPTY)
    month_points: Mapped[list[Decimal]] = mapped_column(ARRAY(TOTAL_POINTS), server_default=EMPTY)
    month_activities: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=EMPTY)


class ScoringRun(Base):
    """A county's last full recompute. `snapshot` is the database snapshot its totals were
    read in: an event whose transaction that snapshot sees is already counted, so the
    incremental consumer passes over it (services/scoring/consumers.py)."""

    __tablename__ = "scoring_runs"

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    # `pg_snapshot` as text ('xmin:xmax:xip,…'), cast back where it is used.
    snapshot: Mapped[str] = mapped_column(Text)
    # The newest rules version the run scored by: a newer one calls for another run.
    rules_version_id: Mapped[int | None] = mapped_column(BigInteger)
    recomputed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class QuotaReminder(Base):
    """That a member was reminded, `days_before` the end of a quota period (its key, e.g.
    `2026-Q3`): at most once per member, period and reminder, however often the schedule
    runs."""

    __tablename__ = "quota_reminders"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "member_id"], ["members.tenant_id", "members.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    period: Mapped[str] = mapped_column(Text, primary_key=True)
    days_before: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NodeScore(Base):
    """The members living at a node (not below it), summed for one period (`period`: a
    key of services/scoring/periods.py, `all` for all time): how many served at least
    once, their hours and times, how many met the county's member quota of the period's
    kind, and (all time only) how many hold each star level, `stars[0]` one star.

    Members live at one node each, so a subtree's figures are the sum of its nodes' rows,
    distinct counts included; the dashboards read nothing finer. Kept by the scoring
    consumer with the members' totals, and rebuilt by the full recompute (which also
    moves a member who moved home, as it moves their service to their unit now)."""

    __tablename__ = "node_scores"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "node_id"], ["nodes.tenant_id", "nodes.id"]),
        # A period's rows of a subtree: the one range every dashboard reads.
        Index("ix_node_scores_tenant_id_period_scope_path", "tenant_id", "period", "scope_path"),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    node_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    period: Mapped[str] = mapped_column(Text, primary_key=True)
    scope_path: Mapped[str] = scope_path_column()
    members: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    hours: Mapped[Decimal] = mapped_column(TOTAL_HOURS, server_default=text("0"))
    times: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    compliant: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    stars: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default=text("'{0,0,0,0,0}'"))
