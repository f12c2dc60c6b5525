"""GraphQL types of notifications: the inbox and the preferences."""

from datetime import datetime, time

import strawberry
from strawberry import relay

from services.notifications.models import (
    CATEGORY_NAMES,
    CHANNEL_NAMES,
    Category,
    Channel,
    Notification,
)
from services.notifications.preferences import CategoryChoice, Preferences

NotificationCategoryType = strawberry.enum(
    Category,
    name="NotificationCategory",
    description="消息类别：报到、认领、吹哨报到、微心愿、志愿活动、服务记录、积分与考核、结对帮扶、年终反馈与考核",
)
NotificationChannelType = strawberry.enum(
    Channel, name="NotificationChannel", description="站外通知方式：短信、微信模板消息、电子邮件"
)


@strawberry.type(name="Notification", description="一条站内消息")
class NotificationType(relay.Node):
    id: relay.NodeID[int]
    category: NotificationCategoryType = strawberry.field(description="类别")  # type: ignore[valid-type]
    category_name: str = strawberry.field(description="类别（中文）")
    kind: str = strawberry.field(description="来源事件的类型，如 wish.claimed")
    event_id: int = strawberry.field(description="来源事件在事件日志中的序号")
    title: str = strawberry.field(description="标题")
    body: str = strawberry.field(description="正文")
    urgent: bool = strawberry.field(description="是否紧急（免打扰时段和限频也立即发送）")
    created_at: datetime = strawberry.field(description="时间")
    read_at: datetime | None = strawberry.field(description="阅读时间；未读为空")

    @classmethod
    def of(cls, notification: Notification) -> "NotificationType":
        return cls(
            id=notification.id,
            category=notification.category,
            category_name=CATEGORY_NAMES[notification.category],
            kind=notification.kind,
            event_id=notification.event_id,
            title=notification.title,
            body=notification.body,
            urgent=notification.urgent,
            created_at=notification.created_at,
            read_at=notification.read_at,
        )


@strawberry.type(name="NotificationCategoryChoice", description="一类消息的站外通知方式")
class CategoryChoiceType:
    category: NotificationCategoryType  # type: ignore[valid-type]
    category_name: str = strawberry.field(description="类别（中文）")
    channels: list[NotificationChannelType] = strawberry.field(  # type: ignore[valid-type]
        description="站外通知方式（站内消息总会收到）"
    )
    channel_names: list[str] = strawberry.field(description="站外通知方式（中文）")
    default: bool = strawberry.field(description="是否为默认设置（本人未选择）")

    @classmethod
    def of(cls, choice: CategoryChoice) -> "CategoryChoiceType":
        return cls(
            category=choice.category,
            category_name=CATEGORY_NAMES[choice.category],
            channels=list(choice.channels),
            channel_names=[CHANNEL_NAMES[c] for c in choice.channels],
            default=choice.default,
        )


@strawberry.type(name="NotificationPreferences", description="本人的消息设置")
class PreferencesType:
    categories: list[CategoryChoiceType] = strawberry.field(description="各类消息的通知方式")
    mobile: str | None = strawberry.field(description="接收短信的手机号（已脱敏）")
    mobile_is_members: bool = strawberry.field(
        description="该手机号是否为党员登记的手机号（本人未另填）"
    )
    email: str | None = strawberry.field(description="电子邮箱（已脱敏）")
    wechat_bound: bool = strawberry.field(description="是否已绑定微信")
    quiet_hours_enabled: bool = strawberry.field(description="是否开启免打扰（紧急吹哨除外）")
    quiet_from: time = strawberry.field(description="免打扰开始时间（北京时间）")
    quiet_until: time = strawberry.field(description="免打扰结束时间（北京时间），此后补发")

    @classmethod
    def of(cls, preferences: Preferences) -> "PreferencesType":
        return cls(
            categories=[CategoryChoiceType.of(c) for c in preferences.categories],
            mobile=preferences.mobile,
            mobile_is_members=preferences.mobile_is_members,
            email=preferences.email,
            wechat_bound=preferences.wechat_bound,
            quiet_hours_enabled=preferences.quiet_enabled,
            quiet_from=preferences.quiet_from,
            quiet_until=preferences.quiet_until,
        )


@strawberry.input(description="一类消息的站外通知方式")
class CategoryChoiceInput:
    category: NotificationCategoryType  # type: ignore[valid-type]
    channels: list[NotificationChannelType] = strawberry.field(  # type: ignore[valid-type]
        description="站外通知方式；空列表为只收站内消息"
    )


@strawberry.input(description="修改消息设置；不填的项保持不变")
class NotificationPreferencesInput:
    categories: list[CategoryChoiceInput] | None = None
    mobile: str | None = strawberry.field(
        default=None, description="接收短信的手机号；填空字符串改回党员登记的手机号"
    )
    email: str | None = strawberry.field(default=None, description="电子邮箱；填空字符串为删除")
    wechat_open_id: str | None = strawberry.field(
        default=None, description="微信公众号绑定得到的 openid；填空字符串为解除绑定"
    )
    quiet_hours_enabled: bool | None = None
    quiet_from: time | None = strawberry.field(default=None, description="免打扰开始时间")
    quiet_until: time | None = strawberry.field(default=None, description="免打扰结束时间")
