"""A partner follows one member's whole journey live, from registration to a star, while
the platform runs as `gongjian up` runs it (the app under uvicorn; the relay, the
in-process broker's worker and the scheduler beside it): the member registers, the
community confirms and issues the receipt, records a service and confirms it; the
scoring worker raises the member to a star, the notifications worker tells the member;
and the partner's subscription, opened before any of it, receives every step in order,
the worker's own event included."""

from datetime import timedelta
from typing import Any

from api.worker_commands import background
from infra.clock import CHINA, now, today
from infra.db import Database
from infra.settings import Settings
from tests.api.test_activities import County, county, mid, nid
from tests.api.test_event_subscription import Subscriber, partner_key, serving
from tests.api.test_service_journey import run
from tests.api.test_service_records import SET_RULES
from tests.conftest import ClonedDatabase

__all__ = ["county"]  # the fixture, from test_activities.py

REGISTER = """mutation($m: ID!) { registerMember(memberId: $m) {
  ... on MemberRegistrationSuccess { registration { id status } }
  ... on MutationError { code message field } } }"""
INBOX = """query { notifications(first: 5) { edges { node { kind title body } } } }"""
JOURNEY = (
    "member_registration.submitted",
    "member_registration.confirmed",
    "member_registration.receipt_issued",
    "service_record.created",
    "service_record.confirmed",
    "member.star_reached",
)


async def test_a_partner_follows_a_registration_to_a_star_live(
    county: County, settings: Settings, test_database: ClonedDatabase, db: Database
) -> None:
    # One star at 2 hours, so one service reaches it.
    rules = {"starLevels": [2, 4, 6, 8, 10]}
    assert (await county.call("admin", SET_RULES, rules=rules, **{"from": today().isoformat()}))[
        "__typename"
    ] == "RulesSuccess"
    chen = county.members["chen"]
    async with serving(settings, test_database) as url:
        database = Database(test_database.app_url, pool_size=4, max_overflow=0)
        app_url = test_database.app_url.render_as_string(hide_password=False)
        try:
            async with background(settings, database, app_url):
                init = await partner_key(county)
                follower = Subscriber(url, init, {"types": list(JOURNEY)}).start()
                try:
                    await steps(county, chen.id)
                    received = await follower.take(len(JOURNEY))
                finally:
                    await follower.stop()
                inbox = await county.call("chen", INBOX)
        finally:
            await database.dispose()
    assert [event["type"] for event in received] == list(JOURNEY)
    ours = {event["payload"]["member_id"] for event in received}
    assert ours == {chen.id}
    star = received[-1]["payload"]
    assert (star["star_level"], star["hours"]) == (1, "3.00")
    # The cursors run in log order, each after the one before.
    cursors = [event["cursor"] for event in received]
    assert len(set(cursors)) == len(cursors)
    titles = [edge["node"]["title"] for edge in inbox["edges"]]
    assert "恭喜您成为1星志愿者" in titles
    assert "报到已确认" in titles
    assert "服务时长已确认" in titles


async def steps(county: County, member_id: int) -> None:
    registered = await county.call("chen", REGISTER, m=mid(county.members["chen"]))
    assert registered["registration"]["status"] == "SUBMITTED", registered
    confirmed = await run(
        county, "east", "ConfirmMemberRegistrations", ids=[registered["registration"]["id"]]
    )
    assert confirmed["registrations"][0]["receiptNumber"], confirmed
    yesterday = (now().astimezone(CHINA) - timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    service: dict[str, Any] = {
        "source": {"nodeId": nid(county.east)},
        "memberId": mid(county.members["chen"]),
        "startedAt": yesterday.isoformat(),
        "endedAt": (yesterday + timedelta(hours=3)).isoformat(),
        "title": "楼道清理",
    }
    record = (await run(county, "east", "RecordService", input=service))["record"]
    done = await run(county, "east", "ConfirmServiceRecord", id=record["id"])
    assert done["record"]["status"] == "CONFIRMED", done
