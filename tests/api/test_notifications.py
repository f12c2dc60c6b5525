"""Notifications through GraphQL and the sender: what an event tells whom, in the inbox
and through the outside channels, once; preferences; quiet hours, the throttle and
retries of the sender.

Events are consumed by the notifications consumer as the workers would (`consume`), and
the sender runs as the scheduler would run it, at a chosen time, through a provider that
records what it was given.
"""

from datetime import datetime, time, timedelta
from typing import Any
from uuid import uuid4

import pytest

from infra.clock import CHINA, today
from infra.consumers import consume
from infra.db import Database
from infra.personal_data import PersonalData
from infra.settings import Settings
from policies.principal import Principal, PrincipalKind
from services.events.service import record_event
from services.notifications.channels import Channels, Outgoing, Refused
from services.notifications.consumers import NOTIFICATIONS
from services.notifications.errors import NoInbox
from services.notifications.inbox import owner
from services.notifications.models import Channel
from services.notifications.sending import Sent, in_quiet_hours, quiet_hours_end, send_due
from tests.api.test_service_records import County, make_county
from tests.api.test_whistle_calls import BLOW, call_input
from tests.conftest import ClonedDatabase, GraphQLCall, MakeTenant

INBOX = """query($u: Boolean) { unreadNotificationCount
  notifications(first: 20, unread: $u) { edges { node {
    id kind category categoryName title body urgent readAt } } } }"""
MARK = """mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) {
  ... on MarkNotificationsReadSuccess { unreadCount notifications { title readAt } }
  ... on MutationError { code message field } } }"""
MARK_ALL = """mutation { markAllNotificationsRead {
  ... on MarkAllNotificationsReadSuccess { marked } } }"""
PREFERENCES = """query { notificationPreferences {
  mobile mobileIsMembers email wechatBound quietHoursEnabled quietFrom quietUntil
  categories { category channels default } } }"""
SET = """mutation($i: NotificationPreferencesInput!) { setNotificationPreferences(input: $i) {
  ... on NotificationPreferencesSuccess { preferences { email mobile mobileIsMembers
    quietFrom quietUntil categories { category channels default } } }
  ... on MutationError { code message field } } }"""


class Recording:
    """A provider keeping what it was given; it can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.failure: Exception | None = None

    def send(self, message: Outgoing) -> str:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)
        return f"rec-{len(self.sent)}"


@pytest.fixture
async def county(
    graphql: GraphQLCall,
    make_tenant: MakeTenant,
    db: Database,
    settings: Settings,
    test_database: ClonedDatabase,
) -> County:
    return await make_county(graphql, make_tenant, db, settings, test_database)


@pytest.fixture
def provider() -> Recording:
    return Recording()


@pytest.fixture
def channels(settings: Settings, provider: Recording) -> Channels:
    return Channels(
        providers=dict.fromkeys(Channel, provider),
        personal=PersonalData.from_settings(settings),
        batch=100,
    )


async def deliver(county: County) -> None:
    """Every event to the notifications consumer, as the relay and a worker would."""
    ids = [row.id for row in await county.sql("SELECT id FROM events ORDER BY id")]
    await consume(county.db, NOTIFICATIONS, county.tenant_id, ids)


async def send(county: County, channels: Channels, at: datetime) -> Sent:
    async with county.db.tenant_session(county.tenant_id) as session:
        return await send_due(session, at, channels, channels.batch)


# The sender's clock: days ahead, after every event the tests write now.
BASE = today() + timedelta(days=2)


def china(day: int, hour: int, minute: int = 0) -> datetime:
    """`day` days after BASE (20 is BASE), China time."""
    return datetime.combine(BASE + timedelta(days=day - 20), time(hour, minute), tzinfo=CHINA)


async def star(county: County, who: str, level: int) -> None:
    async with county.db.tenant_session(county.tenant_id) as session:
        await record_event(
            session,
            type="member.star_reached",
            payload={"member_id": county.members[who].id, "star_level": level, "hours": "100"},
        )


async def inbox(county: County, who: str, unread: bool | None = None) -> dict[str, Any]:
    found = await county.ask(who, INBOX, u=unread)
    assert "errors" not in found, found
    data: dict[str, Any] = found["data"]
    return data


async def deliveries(county: County) -> list[tuple[str, str, str]]:
    rows = await county.sql(
        "SELECT u.username, d.channel, d.status FROM notification_deliveries d "
        "JOIN users u ON u.id = d.user_id ORDER BY u.username, d.channel"
    )
    return [tuple(row) for row in rows]


async def test_a_whistle_call_reaches_everyone_it_asks_once_even_in_quiet_hours(
    county: County, channels: Channels, provider: Recording
) -> None:
    blown = await county.call("east", BLOW, i=call_input(county.east, title="防汛巡堤", skills=[]))
    assert "call" in blown, blown
    await deliver(county)
    await deliver(county)  # delivered again: nothing more
    # Asked: 供电公司 (its admin's account) and the members registered in 东门社区.
    for who in ("power", "zhang", "li", "chen"):
        found = await inbox(county, who)
        assert found["unreadNotificationCount"] == 1, who
        [edge] = found["notifications"]["edges"]
        assert edge["node"]["kind"] == "whistle_call.blown"
        assert edge["node"]["category"] == "WHISTLE"
        assert edge["node"]["title"] == "紧急吹哨报到：防汛巡堤"
        assert edge["node"]["urgent"] is True
        assert edge["node"]["body"].startswith("请于")
    for who in ("wang", "zhao", "school", "west"):
        assert (await inbox(county, who))["unreadNotificationCount"] == 0, who
    # By default a whistle call goes by SMS and WeChat: the members have a mobile (their
    # registered one), nobody has bound WeChat, the unit's account has neither.
    assert await deliveries(county) == [
        ("chen", "sms", "pending"),
        ("li", "sms", "pending"),
        ("zhang", "sms", "pending"),
    ]
    # 23:30 is in everyone's quiet hours, but an emergency call goes at once.
    done = await send(county, channels, china(20, 23, 30))
    assert (done.sent, done.held) == (3, 0)
    assert sorted(m.address for m in provider.sent) == ["13800000000", "13800000001", "13800000004"]
    assert {m.shown_address for m in provider.sent} >= {"138****0000"}
    assert await deliveries(county) == [
        ("chen", "sms", "sent"),
        ("li", "sms", "sent"),
        ("zhang", "sms", "sent"),
    ]
    assert (await send(county, channels, china(20, 23, 31))).sent == 0


async def test_the_inbox_lists_counts_and_marks_read_only_ones_own(county: County) -> None:
    for level in (1, 2):
        await star(county, "zhang", level)
    await star(county, "li", 1)
    await deliver(county)
    mine = await inbox(county, "zhang")
    assert mine["unreadNotificationCount"] == 2
    titles = [e["node"]["title"] for e in mine["notifications"]["edges"]]
    assert titles == ["恭喜您成为2星志愿者", "恭喜您成为1星志愿者"]
    newest = mine["notifications"]["edges"][0]["node"]["id"]
    others = (await inbox(county, "li"))["notifications"]["edges"][0]["node"]["id"]
    refused = await county.call("zhang", MARK, ids=[newest, others])
    assert refused == {
        "code": "NOTIFICATION_NOT_FOUND",
        "message": "未找到其中部分消息，均未标记为已读",
        "field": "ids",
    }
    assert (await inbox(county, "zhang"))["unreadNotificationCount"] == 2
    marked = await county.call("zhang", MARK, ids=[newest])
    assert marked["unreadCount"] == 1
    assert marked["notifications"][0]["readAt"] is not None
    unread = await inbox(county, "zhang", unread=True)
    assert [e["node"]["title"] for e in unread["notifications"]["edges"]] == ["恭喜您成为1星志愿者"]
    assert (await county.call("zhang", MARK_ALL))["marked"] == 1
    assert (await inbox(county, "zhang"))["unreadNotificationCount"] == 0
    assert (await inbox(county, "li"))["unreadNotificationCount"] == 1


async def test_preferences_choose_channels_and_refuse_what_cannot_reach(
    county: County,
) -> None:
    defaults = await county.call("zhang", PREFERENCES)
    assert (defaults["mobile"], defaults["mobileIsMembers"], defaults["email"]) == (
        "138****0000",
        True,
        None,
    )
    assert (defaults["quietFrom"], defaults["quietUntil"]) == ("22:00:00", "07:00:00")
    by_category = {c["category"]: (c["channels"], c["default"]) for c in defaults["categories"]}
    assert by_category["WHISTLE"] == (["SMS", "WECHAT"], True)
    assert by_category["RECORDS"] == (["WECHAT"], True)

    async def refused(given: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await county.call("zhang", SET, i=given)
        return result

    assert await refused({"email": "zhang@"}) == {
        "code": "INVALID_NOTIFICATION_PREFERENCES",
        "message": "电子邮箱格式不正确，例如 zhangsan@example.cn",
        "field": "email",
    }
    assert (await refused({"mobile": "1380000"}))["field"] == "mobile"
    assert (await refused({"quietFrom": "07:00:00"}))["message"] == "免打扰的开始和结束时间不能相同"
    assert await refused({"categories": [{"category": "RECORDS", "channels": ["EMAIL"]}]}) == {
        "code": "INVALID_NOTIFICATION_PREFERENCES",
        "message": "“服务记录”选择了通过电子邮件通知，但没有可用的电子邮箱："
        "请先填写，或取消该通知方式",
        "field": "categories",
    }
    saved = await county.call(
        "zhang",
        SET,
        i={
            "email": "zhangsan@example.cn",
            "mobile": "13912345678",
            "quietFrom": "21:30:00",
            "categories": [
                {"category": "RECORDS", "channels": ["EMAIL", "SMS"]},
                {"category": "WHISTLE", "channels": []},
            ],
        },
    )
    prefs = saved["preferences"]
    assert (prefs["email"], prefs["mobile"], prefs["mobileIsMembers"]) == (
        "z***@example.cn",
        "139****5678",
        False,
    )
    chosen = {c["category"]: (c["channels"], c["default"]) for c in prefs["categories"]}
    assert chosen["RECORDS"] == (["EMAIL", "SMS"], False)
    assert chosen["WHISTLE"] == ([], False)
    # Removing the address a category still uses is refused, and changes nothing.
    assert (await refused({"email": ""}))["field"] == "categories"
    assert (await county.call("zhang", PREFERENCES))["email"] == "z***@example.cn"
    # A whistle call now reaches zhang in the inbox only.
    await county.call("east", BLOW, i=call_input(county.east, skills=[]))
    await star(county, "zhang", 1)
    await deliver(county)
    assert ("zhang", "sms", "pending") not in await deliveries(county)
    assert (await inbox(county, "zhang"))["unreadNotificationCount"] == 2


async def test_the_sender_keeps_quiet_hours_and_the_throttle_and_retries(
    county: County, channels: Channels, provider: Recording
) -> None:
    await county.call(
        "zhang",
        SET,
        i={"categories": [{"category": "SCORING", "channels": ["SMS"]}]},
    )
    for level in range(1, 8):
        await star(county, "zhang", level)
    await deliver(county)
    # 22:10: quiet, held until 07:00.
    held = await send(county, channels, china(20, 22, 10))
    assert (held.sent, held.held) == (0, 7)
    due = await county.sql("SELECT DISTINCT due_at FROM notification_deliveries")
    assert [row.due_at for row in due] == [china(21, 7)]
    assert (await send(county, channels, china(21, 6, 59))).held == 0  # not due yet
    # 07:00: five an hour by SMS; the other two wait for a place.
    morning = await send(county, channels, china(21, 7))
    assert (morning.sent, morning.held) == (5, 2)
    waiting = await county.sql(
        "SELECT due_at FROM notification_deliveries WHERE status = 'pending'"
    )
    assert {row.due_at for row in waiting} == {china(21, 8)}
    # 08:00: the provider fails: retried in 2 minutes; then it refuses: given up.
    provider.failure = ConnectionError("短信网关超时")
    failed = await send(county, channels, china(21, 8))
    assert failed.retried == 2
    rows = await county.sql(
        "SELECT attempts, due_at, error FROM notification_deliveries WHERE status = 'pending'"
    )
    assert {(r.attempts, r.due_at, r.error) for r in rows} == {
        (1, china(21, 8, 2), "ConnectionError: 短信网关超时")
    }
    provider.failure = Refused("号码已停机")
    refused = await send(county, channels, china(21, 8, 2))
    assert refused.failed == 2
    statuses = await county.sql(
        "SELECT status, count(*) FROM notification_deliveries GROUP BY status ORDER BY 1"
    )
    assert [tuple(r) for r in statuses] == [("sent", 5), ("failed", 2)]
    assert len(provider.sent) == 5


def test_only_a_county_user_has_an_inbox() -> None:
    for kind in (PrincipalKind.API_KEY, PrincipalKind.PLATFORM_ADMIN):
        caller = Principal(kind=kind, id=uuid4(), tenant_id=uuid4(), name="12345 热线")
        with pytest.raises(NoInbox) as refused:
            owner(caller)
        assert refused.value.message.startswith("站内消息只属于本县（区）的用户账号")


def test_quiet_hours_that_cross_midnight_and_those_that_do_not() -> None:
    night = (time(22), time(7))
    assert in_quiet_hours(china(20, 23), *night)
    assert in_quiet_hours(china(20, 6, 59), *night)
    assert not in_quiet_hours(china(20, 7), *night)
    assert not in_quiet_hours(china(20, 21, 59), *night)
    noon = (time(12), time(14))
    assert in_quiet_hours(china(20, 13), *noon)
    assert not in_quiet_hours(china(20, 14), *noon)
    assert quiet_hours_end(china(20, 23), time(7)) == china(21, 7)
    assert quiet_hours_end(china(21, 6), time(7)) == china(21, 7)
    assert quiet_hours_end(china(20, 23) - timedelta(hours=10), time(14)) == china(20, 14)
