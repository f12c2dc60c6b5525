"""Member posts and recognition: the posts a member holds in the residence community for a
period, and the selections (评选表彰) a county or a street runs, with their nominations."""

import enum
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from policies.paths import scope_path_column
from services.pairing.models import ACTIVE, CommitmentStatus, member_key, node_key, unit_key


class PostKind(enum.StrEnum):
    BUILDING_HEAD = "building_head"
    GRID_MEMBER = "grid_member"
    OWNERS_COMMITTEE = "owners_committee"
    PARTY_BRANCH_MEMBER = "party_branch_member"


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    PUBLISHED = "published"


class NominationStatus(enum.StrEnum):
    NOMINATED = "nominated"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"


POST_NAMES = {
    PostKind.BUILDING_HEAD: "楼栋长",
    PostKind.GRID_MEMBER: "网格员",
    PostKind.OWNERS_COMMITTEE: "业委会成员",
    PostKind.PARTY_BRANCH_MEMBER: "功能型党支部成员",
}
CAMPAIGN_STATUS_NAMES = {CampaignStatus.OPEN: "评选中", CampaignStatus.PUBLISHED: "已公布"}
NOMINATION_STATUS_NAMES = {
    NominationStatus.NOMINATED: "待评审",
    NominationStatus.SELECTED: "入选",
    NominationStatus.NOT_SELECTED: "未入选",
}


class MemberPost(Base):
    """A post a member holds in the residence community (楼栋长, 网格员 …) for a period;
    where the role model has a matching role, the member's account holds it at the node
    while the post lasts (`role_grant_id`: the grant the post made)."""

    __tablename__ = "member_posts"
    __table_args__ = (
        member_key(),
        node_key("node_id"),
        node_key("community_id"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_in_order"),
        Index("ix_member_posts_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_member_posts_tenant_id_member_id", "tenant_id", "member_id"),
        Index(
            "uq_member_posts_active",
            "tenant_id",
            "member_id",
            "post",
            "node_id",
            unique=True,
            postgresql_where=ACTIVE,
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    post: Mapped[PostKind] = mapped_column(enum_column(PostKind, "member_post_kind"))
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    community_id: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, "commitment_status")
    )
    # The role granted with the post, and the grant made for it (None: the account held
    # the role there already, or the member has no account).
    granted_role: Mapped[str | None] = mapped_column(Text)
    role_grant_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[UUID | None]
    created_by: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_by: Mapped[UUID | None]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


class RecognitionCampaign(Base):
    """A selection run by a county or a street (优秀在职党员, 最美志愿者): communities and
    units nominate members within the nomination window; a reviewer decides; published."""

    __tablename__ = "recognition_campaigns"
    __table_args__ = (
        node_key("node_id"),
        CheckConstraint("closes_on >= opens_on", name="window_in_order"),
        Index("ix_recognition_campaigns_tenant_id_scope_path", "tenant_id", "scope_path"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    title: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus, "campaign_status"))
    created_by: Mapped[UUID | None]
    created_by_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_by: Mapped[UUID | None]
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Nomination(Base):
    """A member put forward for a campaign by the community where they are registered, or
    by their unit; one per member and campaign. Kept at the member's community."""

    __tablename__ = "nominations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "campaign_id"],
            ["recognition_campaigns.tenant_id", "recognition_campaigns.id"],
        ),
        member_key(),
        unit_key("nominated_by_unit_id"),
        node_key("node_id"),
        Index("uq_nominations_member", "tenant_id", "campaign_id", "member_id", unique=True),
        Index("ix_nominations_tenant_id_scope_path", "tenant_id", "scope_path"),
        Index("ix_nominations_tenant_id_member_id", "tenant_id", "member_id"),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    # The community where the member is registered.
    node_id: Mapped[int] = mapped_column(BigInteger)
    scope_path: Mapped[str] = scope_path_column()
    # The unit that nominated (None: the community's staff).
    nominated_by_unit_id: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[NominationStatus] = mapped_column(
        enum_column(NominationStatus, "nomination_status")
    )
    nominated_by: Mapped[UUID | None]
    nominated_by_name: Mapped[str] = mapped_column(Text)
    nominated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_by: Mapped[UUID | None]
    decided_by_name: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
