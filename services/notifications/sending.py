"""The sender: every minute, per county, the pending deliveries that are due go out
through their channel's provider, except that

- a delivery falling in the user's quiet hours (22:00–07:00 unless they chose otherwise)
  is held until they end;
- a user is sent at most `PER_HOUR` messages an hour through a channel: the rest wait for
  the hour to free a place;
- an urgent notification (an emergency whistle call) goes out regardless of both;
- a provider's failure is retried with growing waits (2, 4, 8, 16 minutes), and given up
  after `MAX_ATTEMPTS`; a refusal (a number the gateway will never take) is given up at
  once.

Deliveries are taken `FOR UPDATE SKIP LOCKED`, so two senders never send one twice; one
row per (event, user, channel) is what keeps a user from hearing of one event twice.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, now
from infra.personal_data import mask_mobile
from infra.scheduler import scheduled
from services.notifications.channels import Channels, Outgoing, Refused, configured
from services.notifications.models import Channel, DeliveryStatus

log = logging.getLogger(__name__)

PER_HOUR = {Channel.SMS: 5, Channel.WECHAT: 10, Channel.EMAIL: 10}
MAX_ATTEMPTS = 5
HOUR = timedelta(hours=1)
ERROR_CHARS = 500

_DUE = text(
    "SELECT d.id, d.channel, d.user_id, d.event_id, d.attempts, n.title, n.body, n.urgent, "
    "k.mobile_sealed, k.email, k.wechat_openid, "
    "COALESCE(k.quiet_enabled, true) AS quiet_enabled, "
    "COALESCE(k.quiet_from, TIME '22:00') AS quiet_from, "
    "COALESCE(k.quiet_until, TIME '07:00') AS quiet_until, m.mobile_sealed AS member_mobile "
    "FROM notification_deliveries d "
    "JOIN notifications n ON n.tenant_id = d.tenant_id AND n.id = d.notification_id "
    "JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.user_id "
    "LEFT JOIN notification_contacts k ON k.tenant_id = d.tenant_id AND k.user_id = d.user_id "
    "LEFT JOIN members m ON m.tenant_id = u.tenant_id AND m.id = u.member_id "
    "WHERE d.status = 'pending' AND d.due_at <= :at "
    "ORDER BY d.due_at, d.id LIMIT :limit FOR UPDATE OF d SKIP LOCKED"
)
_RECENT = text(
    "SELECT user_id, channel, count(*) AS sent, min(sent_at) AS oldest "
    "FROM notification_deliveries WHERE status = 'sent' AND sent_at > :since "
    "AND user_id = ANY(:users) GROUP BY user_id, channel"
)
_UPDATE = text(
    "UPDATE notification_deliveries SET status = CAST(:status AS delivery_status), "
    "due_at = :due_at, attempts = :attempts, address = :address, "
    "provider_message_id = :provider_message_id, error = :error, sent_at = :sent_at "
    "WHERE id = :id"
)


@dataclass
class Sent:
    sent: int = 0
    held: int = 0
    retried: int = 0
    failed: int = 0


def in_quiet_hours(at: datetime, start: time, end: time) -> bool:
    clock = at.astimezone(CHINA).time()
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def quiet_hours_end(at: datetime, end: time) -> datetime:
    """The next time the clock (China time) shows `end` after `at`."""
    local = at.astimezone(CHINA)
    ends = datetime.combine(local.date(), end, tzinfo=CHINA)
    return ends if ends > local else ends + timedelta(days=1)


def mask_address(channel: Channel, address: str) -> str:
    if channel is Channel.SMS:
        return mask_mobile(address)
    if channel is Channel.EMAIL:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{address[:4]}****"


def _address(channels: Channels, row: Any) -> str | None:
    channel = Channel(row.channel)
    if channel is Channel.SMS:
        sealed = row.mobile_sealed or row.member_mobile
        return None if sealed is None else channels.personal.open(sealed)
    address: str | None = row.email if channel is Channel.EMAIL else row.wechat_openid
    return address


class _Throttle:
    """What each user was sent through each channel in the last hour."""

    def __init__(self, rows: Any, at: datetime) -> None:
        self.at = at
        self.sent: dict[tuple[Any, str], list[datetime]] = {}
        for row in rows:
            # Only the count and the oldest matter: the oldest frees the next place.
            self.sent[(row.user_id, row.channel)] = [row.oldest] * row.sent

    def next_place(self, user_id: Any, channel: Channel) -> datetime | None:
        """None when a message may go now; else when a place frees."""
        sent = self.sent.get((user_id, channel.value), [])
        if len(sent) < PER_HOUR[channel]:
            return None
        return min(sent) + HOUR

    def note(self, user_id: Any, channel: Channel) -> None:
        self.sent.setdefault((user_id, channel.value), []).append(self.at)


async def send_due(session: AsyncSession, at: datetime, channels: Channels, limit: int) -> Sent:
    """Send (or hold, or retry) the county's deliveries due at `at`, up to `limit`."""
    rows = list((await session.execute(_DUE, {"at": at, "limit": limit})).all())
    done = Sent()
    if not rows:
        return done
    users = list({row.user_id for row in rows})
    throttle = _Throttle(await session.execute(_RECENT, {"since": at - HOUR, "users": users}), at)
    changes = []
    for row in rows:
        channel = Channel(row.channel)
        change: dict[str, Any] = {
            "id": row.id,
            "status": DeliveryStatus.PENDING.value,
            "due_at": at,
            "attempts": row.attempts,
            "address": None,
            "provider_message_id": None,
            "error": None,
            "sent_at": None,
        }
        changes.append(change)
        if not row.urgent:
            if row.quiet_enabled and in_quiet_hours(at, row.quiet_from, row.quiet_until):
                change["due_at"] = quiet_hours_end(at, row.quiet_until)
                done.held += 1
                continue
            place = throttle.next_place(row.user_id, channel)
            if place is not None:
                change["due_at"] = place
                done.held += 1
                continue
        address = _address(channels, row)
        if address is None:
            change.update(status=DeliveryStatus.FAILED.value, error="收件人已不再登记该联系方式")
            done.failed += 1
            continue
        change["address"] = mask_address(channel, address)
        message = Outgoing(
            channel=channel,
            address=address,
            shown_address=change["address"],
            title=row.title,
            body=row.body,
            user_id=row.user_id,
            event_id=row.event_id,
        )
        change["attempts"] = row.attempts + 1
        try:
            sent_as = await asyncio.to_thread(channels.providers[channel].send, message)
        except Refused as refused:
            change.update(status=DeliveryStatus.FAILED.value, error=str(refused)[:ERROR_CHARS])
            done.failed += 1
            continue
        except Exception as error:  # noqa: BLE001 - any other failure is worth a retry
            log.warning("sending %s delivery %s failed: %s", channel, row.id, error)
            change["error"] = f"{type(error).__name__}: {error}"[:ERROR_CHARS]
            if change["attempts"] >= MAX_ATTEMPTS:
                change["status"] = DeliveryStatus.FAILED.value
                done.failed += 1
            else:
                change["due_at"] = at + timedelta(minutes=2 ** change["attempts"])
                done.retried += 1
            continue
        change.update(status=DeliveryStatus.SENT.value, provider_message_id=sent_as, sent_at=at)
        throttle.note(row.user_id, channel)
        done.sent += 1
    await session.execute(_UPDATE, changes)
    return done


@scheduled("notifications.send", every=timedelta(minutes=1))
async def send_due_notifications(session: AsyncSession, due: datetime) -> Sent:
    channels = configured()
    done = await send_due(session, now(), channels, channels.batch)
    if done.sent or done.failed or done.retried:
        log.info("notifications: %s", done)
    return done
