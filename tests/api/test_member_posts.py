"""Member posts through GraphQL: a community records the posts its registered members hold
(楼栋长, 网格员, 业委会成员, 功能型党支部成员) with their periods; a building head's account
holds the compound-leader role there while the post lasts, and loses it when the post
ends or its period runs out. Refusals are exact and write nothing."""

from datetime import timedelta
from typing import Any

from infra.clock import today
from services.pairing.posts import end_lapsed
from tests.api.graphql_client import global_id
from tests.api.test_activities import FORBIDDEN, County, county, local, mid, nid, refusal
from tests.api.test_pairing import Places, places, registered, snapshot

__all__ = ["county", "places"]  # the fixtures

ERROR = "... on MutationError { code message field }"
POST = """id post postName status inForce startsOn endsOn grantedRole grantedRoleName
  node { name } community { name } memberName"""
ASSIGN = f"""mutation($i: MemberPostInput!) {{ assignMemberPost(input: $i) {{
  ... on MemberPostSuccess {{ post {{ {POST} }} }} {ERROR} }} }}"""
END = f"""mutation($id: ID!, $r: String!) {{ endMemberPost(id: $id, reason: $r) {{
  ... on MemberPostSuccess {{ post {{ status endReason grantedRole }} }} {ERROR} }} }}"""
POSTS = """query($m: ID) { memberPosts(first: 100, memberId: $m) {
  edges { node { postName memberName node { name } } } } }"""
HOUSEHOLD = "query($id: ID!) { household(id: $id) { contactName } }"


async def grants_of(county: County, username: str) -> list[tuple[str, int]]:
    rows = await county.sql(
        """SELECT g.role, g.node_id FROM role_grants g JOIN users u ON u.id = g.user_id
           WHERE u.username = :u ORDER BY g.role, g.node_id""",
        u=username,
    )
    return [tuple(row) for row in rows]


async def test_a_building_head_holds_the_compound_leader_role_while_the_post_lasts(
    county: County, places: Places
) -> None:
    zhang = mid(county.members["zhang"])
    assert await grants_of(county, "zhang") == [("member", county.garden.id)]
    household = await registered(county, places.building)
    refused = await county.ask("zhang", HOUSEHOLD, id=household["id"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    made = await county.call(
        "east",
        ASSIGN,
        i={"memberId": zhang, "post": "BUILDING_HEAD", "nodeId": nid(places.building)},
    )
    post = made["post"]
    assert {k: v for k, v in post.items() if k != "id"} == {
        "post": "BUILDING_HEAD",
        "postName": "楼栋长",
        "status": "ACTIVE",
        "inForce": True,
        "startsOn": today().isoformat(),
        "endsOn": None,
        "grantedRole": "compound_leader",
        "grantedRoleName": "小区负责人",
        "node": {"name": "东园1号楼"},
        "community": {"name": "东门社区"},
        "memberName": "张三",
    }
    assert await grants_of(county, "zhang") == [
        ("compound_leader", places.building.id),
        ("member", county.garden.id),
    ]
    # The role holds at once: 张三 now reads the households of his building (masked).
    assert await county.call("zhang", HOUSEHOLD, id=household["id"]) == {"contactName": "王**"}
    [payload] = [
        row[0]
        for row in await county.sql(
            "SELECT payload FROM events WHERE type = 'member_post.assigned'"
        )
    ]
    assert (payload["post"], payload["granted_role"], payload["node_id"]) == (
        "building_head",
        "compound_leader",
        places.building.id,
    )
    # An owners' committee seat has no role to go with it.
    seat = await county.call(
        "east",
        ASSIGN,
        i={"memberId": zhang, "post": "OWNERS_COMMITTEE", "nodeId": nid(county.garden)},
    )
    assert (seat["post"]["grantedRole"], seat["post"]["postName"]) == (None, "业委会成员")
    listed = await county.call("zhang", POSTS)
    assert [e["node"]["postName"] for e in listed["edges"]] == ["业委会成员", "楼栋长"]

    ended = await county.call("east", END, id=post["id"], r="换届")
    assert ended["post"] == {
        "status": "ENDED",
        "endReason": "换届",
        "grantedRole": "compound_leader",
    }
    assert await grants_of(county, "zhang") == [("member", county.garden.id)]
    refused = await county.ask("zhang", HOUSEHOLD, id=household["id"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    revoked = await county.sql("SELECT count(*) FROM audit_log WHERE action = 'role_grant.revoked'")
    assert revoked[0][0] == 1
    assert await county.call("east", END, id=post["id"], r="再次") == refusal(
        "COMMITMENT_ENDED", "该任职已结束", "id"
    )


async def test_a_post_whose_period_ran_out_ends_and_its_role_is_revoked(
    county: County, places: Places
) -> None:
    made = await county.call(
        "east",
        ASSIGN,
        i={
            "memberId": mid(county.members["li"]),
            "post": "BUILDING_HEAD",
            "nodeId": nid(county.garden),
            "endsOn": today().isoformat(),
        },
    )
    assert await grants_of(county, "li") == [
        ("compound_leader", county.garden.id),
        ("member", county.garden.id),
    ]
    async with county.db.tenant_session(county.root.tenant_id) as session:
        assert await end_lapsed(session, today()) == 0
    async with county.db.tenant_session(county.root.tenant_id) as session:
        assert await end_lapsed(session, today() + timedelta(days=1)) == 1
    assert await grants_of(county, "li") == [("member", county.garden.id)]
    rows = await county.sql(
        "SELECT status, end_reason FROM member_posts WHERE id = :id", id=local(made["post"]["id"])
    )
    assert [tuple(r) for r in rows] == [("ended", "任期届满")]
    [actor] = await county.sql(
        "SELECT actor_name FROM audit_log WHERE action = 'role_grant.revoked'"
    )
    assert actor[0] == "定时任务"


async def test_bad_posts_are_refused_exactly_and_write_nothing(
    county: County, places: Places
) -> None:
    base: dict[str, Any] = {
        "memberId": mid(county.members["zhang"]),
        "post": "GRID_MEMBER",
        "nodeId": nid(places.grid),
    }
    await county.call("east", ASSIGN, i=base)
    before = await snapshot(county)
    wrong: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        (
            "east",
            {},
            refusal(
                "MEMBER_POST_EXISTS",
                f"党员张三已任“东门第一网格”网格员（{today().month}月{today().day}日起）",
                "memberId",
            ),
        ),
        (
            "east",
            {"nodeId": nid(county.garden)},
            refusal("INVALID_MEMBER_POST", "「任职区域」应为网格，而“东园小区”是小区", "nodeId"),
        ),
        (
            "east",
            {"memberId": mid(county.members["wang"])},
            refusal(
                "NOT_REGISTERED_IN_COMMUNITY",
                "党员王五未在“东门社区”报到，不能在此担任网格员",
                "memberId",
            ),
        ),
        (
            "east",
            {
                "memberId": mid(county.members["li"]),
                "startsOn": (today() + timedelta(days=1)).isoformat(),
            },
            refusal(
                "INVALID_MEMBER_POST",
                "「开始日期」不能晚于今天（任职自登记之日起生效）",
                "startsOn",
            ),
        ),
        (
            "east",
            {
                "memberId": mid(county.members["li"]),
                "endsOn": (today() - timedelta(days=1)).isoformat(),
            },
            refusal("INVALID_MEMBER_POST", "「结束日期」不能早于「开始日期」", "endsOn"),
        ),
        (
            "east",
            {"memberId": global_id("Member", 999999)},
            refusal("MEMBER_NOT_FOUND", "未找到该党员", "memberId"),
        ),
        ("west", {"memberId": mid(county.members["li"])}, FORBIDDEN),
        ("zhang", {"memberId": mid(county.members["li"])}, FORBIDDEN),
    ]
    for who, change, expected in wrong:
        assert await county.call(who, ASSIGN, i=base | change) == expected, change
    assert await snapshot(county) == before
