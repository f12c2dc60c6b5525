"""Notifications: the in-app inbox (one row per event and user), the deliveries to the
outside channels (one row per event, user and channel: the key of de-duplication, and the
outbox the sender works from), and each user's preferences."""

import enum
from datetime import datetime, time
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Text,
    Time,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, enum_column
from infra.personal_data import sealed_column


class Channel(enum.StrEnum):
    """The channels outside the app (the inbox is always on)."""

    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"


CHANNEL_NAMES = {Channel.SMS: "短信", Channel.WECHAT: "微信模板消息", Channel.EMAIL: "电子邮件"}


class Category(enum.StrEnum):
    """What a notification is about; preferences are chosen per category."""

    REGISTRATION = "registration"
    CLAIMS = "claims"
    WHISTLE = "whistle"
    WISHES = "wishes"
    ACTIVITIES = "activities"
    RECORDS = "records"
    SCORING = "scoring"
    PAIRING = "pairing"
    ASSESSMENT = "assessment"


CATEGORY_NAMES = {
    Category.REGISTRATION: "报到",
    Category.CLAIMS: "项目与任务认领",
    Category.WHISTLE: "吹哨报到",
    Category.WISHES: "微心愿",
    Category.ACTIVITIES: "志愿活动",
    Category.RECORDS: "服务记录",
    Category.SCORING: "积分、星级与考核提醒",
    Category.PAIRING: "结对帮扶与走访",
    Category.ASSESSMENT: "年终反馈与考核",
}


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Given up: no address for the channel, or the provider refused it every time.
    FAILED = "failed"


class Notification(Base):
    """A message in a user's inbox, made from one event."""

    __tablename__ = "notifications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        # One per event and user, however often the event is delivered.
        Index(
            "uq_notifications_tenant_id_user_id_event_id",
            "tenant_id",
            "user_id",
            "event_id",
            unique=True,
        ),
        # The inbox, newest first; and its unread count.
        Index("ix_notifications_tenant_id_user_id_id", "tenant_id", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "tenant_id",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[UUID]
    event_id: Mapped[int] = mapped_column(BigInteger)
    # The event's type (`wish.claimed`).
    kind: Mapped[str] = mapped_column(Text)
    category: Mapped[Category] = mapped_column(enum_column(Category, "notification_category"))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # Sent at once, whatever the quiet hours or the throttle (an emergency whistle call).
    urgent: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """A notification to send through one channel: pending until sent or given up."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "notification_id"], ["notifications.tenant_id", "notifications.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        # One per event, user and channel.
        Index(
            "uq_notification_deliveries_event",
            "tenant_id",
            "event_id",
            "user_id",
            "channel",
            unique=True,
        ),
        # What the sender takes next.
        Index(
            "ix_notification_deliveries_due",
            "tenant_id",
            "due_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # What a user was sent through a channel lately (the throttle).
        Index(
            "ix_notification_deliveries_sent",
            "tenant_id",
            "user_id",
            "channel",
            "sent_at",
            postgresql_where=text("status = 'sent'"),
        ),
    )
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    notification_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[UUID]
    event_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "notification_channel"))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), server_default=DeliveryStatus.PENDING
    )
    # Not before: now, the end of the user's quiet hours, or the throttle's next slot.
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # Where it went, masked (13*******21), and the provider's id for it.
    address: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Preference(Base):
    """The channels a user wants a category through (no row: the category's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    category: Mapped[Category] = mapped_column(
        enum_column(Category, "notification_category"), primary_key=True
    )
    channels: Mapped[list[Channel]] = mapped_column(
        ARRAY(enum_column(Channel, "notification_channel"))
    )


class Contact(Base):
    """How a user is reached outside the app, and their quiet hours (no row: the member's
    own mobile for SMS, quiet from 22:00 to 07:00)."""

    __tablename__ = "notification_contacts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
    )

    tenant_id: Mapped[UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    mobile_sealed: Mapped[bytes | None] = sealed_column(nullable=True)
    email: Mapped[str | None] = mapped_column(Text)
    wechat_openid: Mapped[str | None] = mapped_column(Text)
    quiet_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    quiet_from: Mapped[time] = mapped_column(Time, server_default=text("'22:00'"))
    quiet_until: Mapped[time] = mapped_column(Time, server_default=text("'07:00'"))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
