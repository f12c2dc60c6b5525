"""A partner follows one member's whole journey live, from registration to a star, while
the platform runs as `gongjian up` runs it (the app under uvicorn; the relay, the
in-process broker's worker and the scheduler beside it): the member registers, the
community confirms and issues the receipt, records a service and confirms it; the
scoring worker raises the member to a star, the notifications worker tells the member;
and the partner's subscription, opened before any of it, receives every step in order,
the worker's own event included (where its transaction falls in the log)."""

from datetime import timedelta
from typing import Any

from api.worker_commands import background
from infra.clock import CHINA, now, today
from infra.db import Database
from infra.settings import Settings
from services.scoring.recompute import recompute
from tests.api.test_activities import County, county, mid, nid
from tests.api.test_event_subscription import Subscriber, eventually, partner_key, serving
from tests.api.test_service_journey import run
from tests.api.test_service_records import SET_RULES
from tests.conftest import ClonedDatabase

__all__ = ["county"]  # the fixture, from test_activities.py

REGISTER = """mutation($m: ID!) { registerMember(memberId: $m) {
  ... on MemberRegistrationSuccess { registration { id status } }
  ... on MutationError { code message field } } }"""
INBOX = """query { notifications(first: 5) { edges { node { kind title body } } } }"""
STAR = "member.star_reached"
# What the member hears of in the inbox.
TOLD = ("报到已确认", "报到回执已开具", "服务时长已确认", "恭喜您成为1星志愿者")
JOURNEY = (
    "member_registration.submitted",
    "member_registration.confirmed",
    "member_registration.receipt_issued",
    "service_record.created",
    "service_record.confirmed",
    STAR,
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
    # The county has been scored before (the nightly recompute of earlier nights): the
    # scheduler's own run when it starts is not the county's first, which only sets the
    # baseline of star levels and announces none.
    async with db.tenant_session(county.root.tenant_id) as session:
        await recompute(session)
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
                # The member hears of it, once the notifications worker has been by.
                titles: list[str] = []

                async def told() -> bool:
                    inbox = await county.call("chen", INBOX)
                    titles[:] = [edge["node"]["title"] for edge in inbox["edges"]]
                    return all(title in titles for title in TOLD)

                await eventually(told)
        finally:
            await database.dispose()
    # The member's steps in the order they were taken; the star wherever its transaction
    # falls in the log: written by the scoring worker after the confirmation, or by the
    # scheduler's recompute, whose transaction may have begun before the confirmation
    # committed (the log runs in transaction order).
    types = [event["type"] for event in received]
    assert [t for t in types if t != STAR] == [t for t in JOURNEY if t != STAR]
    assert types.count(STAR) == 1
    ours = {event["payload"]["member_id"] for event in received}
    assert ours == {chen.id}
    star = next(event["payload"] for event in received if event["type"] == STAR)
    assert (star["star_level"], star["hours"]) == (1, "3.00")
    # The cursors run in log order, each after the one before.
    cursors = [event["cursor"] for event in received]
    assert len(set(cursors)) == len(cursors)
    assert set(TOLD) <= set(titles)


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
