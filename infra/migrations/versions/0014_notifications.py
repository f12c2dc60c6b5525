"""Notifications: the in-app inbox, deliveries per channel and per-user preferences.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from infra.migrations.ddl import isolate_tenant_table

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "notifications",
    "notification_deliveries",
    "notification_preferences",
    "notification_contacts",
)
CATEGORIES = (
    "registration",
    "claims",
    "whistle",
    "wishes",
    "activities",
    "records",
    "scoring",
    "pairing",
    "assessment",
)
category = postgresql.ENUM(*CATEGORIES, name="notification_category", create_type=False)
channel = postgresql.ENUM("sms", "wechat", "email", name="notification_channel", create_type=False)
delivery_status = postgresql.ENUM(
    "pending", "sent", "failed", name="delivery_status", create_type=False
)
NOW = sa.text("now()")


def _tenant(table: str) -> Any:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def _user(table: str) -> Any:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "user_id"],
        ["users.tenant_id", "users.id"],
        name=op.f(f"fk_{table}_tenant_id_user_id_users"),
    )


def upgrade() -> None:
    bind = op.get_bind()
    for kind in (category, channel, delivery_status):
        postgresql.ENUM(*kind.enums, name=kind.name).create(bind)
    op.create_table(
        "notifications",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("category", category, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        _user("notifications"),
        _tenant("notifications"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "uq_notifications_tenant_id_user_id_event_id",
        "notifications",
        ["tenant_id", "user_id", "event_id"],
        unique=True,
    )
    op.create_index(
        "ix_notifications_tenant_id_user_id_id", "notifications", ["tenant_id", "user_id", "id"]
    )
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["tenant_id", "user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("notification_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", channel, nullable=False),
        sa.Column("status", delivery_status, server_default="pending", nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "notification_id"],
            ["notifications.tenant_id", "notifications.id"],
            name=op.f("fk_notification_deliveries_tenant_id_notification_id_notifications"),
        ),
        _user("notification_deliveries"),
        _tenant("notification_deliveries"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notification_deliveries")),
    )
    op.create_index(
        "uq_notification_deliveries_event",
        "notification_deliveries",
        ["tenant_id", "event_id", "user_id", "channel"],
        unique=True,
    )
    op.create_index(
        "ix_notification_deliveries_due",
        "notification_deliveries",
        ["tenant_id", "due_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_notification_deliveries_sent",
        "notification_deliveries",
        ["tenant_id", "user_id", "channel", "sent_at"],
        postgresql_where=sa.text("status = 'sent'"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category", category, nullable=False),
        sa.Column("channels", postgresql.ARRAY(channel), nullable=False),
        _user("notification_preferences"),
        _tenant("notification_preferences"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "user_id", "category", name=op.f("pk_notification_preferences")
        ),
    )
    op.create_table(
        "notification_contacts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("mobile_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("wechat_openid", sa.Text(), nullable=True),
        sa.Column("quiet_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("quiet_from", sa.Time(), server_default=sa.text("'22:00'"), nullable=False),
        sa.Column("quiet_until", sa.Time(), server_default=sa.text("'07:00'"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        _user("notification_contacts"),
        _tenant("notification_contacts"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name=op.f("pk_notification_contacts")),
    )
    for table in TABLES:
        isolate_tenant_table(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    for kind in (delivery_status, channel, category):
        op.execute(f"DROP TYPE {kind.name}")
