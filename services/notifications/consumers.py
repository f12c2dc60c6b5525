"""Notifications as events happen: each event of the catalogue becomes a message in the
inbox of every user of its audience, and a pending delivery for each outside channel the
user wants that category through and can be reached on. The sender
(services/notifications/sending.py) takes the deliveries from there.

Both are written set-based, two statements a notice whatever its audience (a whistle
call's fan-out included), and both are unique per (event, user) and (event, user,
channel): an event consumed again, or a user in an audience twice, notifies once.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.consumers import EventMessage, consumer
from infra.db import bound_tenant
from services.notifications.catalogue import NOTICES, Notice, notices_for
from services.notifications.models import Category, Channel

NOTIFICATIONS = "notifications"

# A category's channels for a user who chose none: a whistle call by SMS and WeChat (it
# asks for an answer within hours), everything else by WeChat.
DEFAULT_CHANNELS: dict[Category, tuple[Channel, ...]] = {
    category: (Channel.SMS, Channel.WECHAT) if category is Category.WHISTLE else (Channel.WECHAT,)
    for category in Category
}

_INBOX = (
    "INSERT INTO notifications (tenant_id, user_id, event_id, kind, category, title, body, "
    "urgent, created_at) "
    "SELECT :tenant, a.user_id, :event, :kind, CAST(:category AS notification_category), "
    ":title, :body, :urgent, :at FROM ({audience}) a "
    "ON CONFLICT (tenant_id, user_id, event_id) DO NOTHING RETURNING id"
)
# The user's channels for the category (or its default) that they can be reached on: a
# mobile of their own or, for a member, the member's; a WeChat binding; an e-mail address.
_DELIVERIES = text(
    "INSERT INTO notification_deliveries (tenant_id, notification_id, user_id, event_id, "
    "channel, due_at) "
    "SELECT n.tenant_id, n.id, n.user_id, n.event_id, c.channel, n.created_at "
    "FROM notifications n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.user_id "
    "LEFT JOIN notification_preferences p ON p.tenant_id = n.tenant_id "
    "AND p.user_id = n.user_id AND p.category = n.category "
    "LEFT JOIN notification_contacts k ON k.tenant_id = n.tenant_id AND k.user_id = n.user_id "
    "LEFT JOIN members m ON m.tenant_id = u.tenant_id AND m.id = u.member_id "
    "CROSS JOIN LATERAL unnest(COALESCE(p.channels, "
    "CAST(CAST(:defaults AS text[]) AS notification_channel[]))) AS c(channel) "
    "WHERE n.id = ANY(:ids) AND CASE c.channel "
    "WHEN 'sms' THEN k.mobile_sealed IS NOT NULL OR m.mobile_sealed IS NOT NULL "
    "WHEN 'wechat' THEN k.wechat_openid IS NOT NULL "
    "WHEN 'email' THEN k.email IS NOT NULL END "
    "ON CONFLICT (tenant_id, event_id, user_id, channel) DO NOTHING"
)


async def notify(session: AsyncSession, event: EventMessage, notice: Notice) -> int:
    """Write a notice of an event for its audience: how many users it reached now."""
    ids = list(
        await session.scalars(
            text(_INBOX.format(audience=notice.audience.sql)),
            {
                **notice.audience.params,
                "tenant": bound_tenant(session),
                "event": event.id,
                "kind": event.type,
                "category": notice.category.value,
                "title": notice.title,
                "body": notice.body,
                "urgent": notice.urgent,
                "at": event.occurred_at,
            },
        )
    )
    if ids:
        defaults = [channel.value for channel in DEFAULT_CHANNELS[notice.category]]
        await session.execute(_DELIVERIES, {"ids": ids, "defaults": defaults})
    return len(ids)


@consumer(NOTIFICATIONS, types=tuple(NOTICES))
async def deliver(session: AsyncSession, events: list[EventMessage]) -> None:
    for event in events:
        for notice in notices_for(event.type, event.payload):
            await notify(session, event, notice)
