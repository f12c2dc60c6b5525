"""A county's rules through GraphQL, as a county admin and a community admin use them."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.clock import today
from infra.db import Database
from infra.settings import Settings
from tenants.hierarchy.models import NodeKind
from tests.api.graphql_client import bearer, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_node, add_user, root_of

COUNTY = "130123"
RULES = (Path(__file__).parents[2] / "graphql" / "operations" / "Rules.graphql").read_text(
    encoding="utf-8"
)
SET_RULES = """
mutation($from: Date!, $rules: RulesInput!, $note: String) {
  setRules(effectiveFrom: $from, rules: $rules, note: $note) {
    __typename
    ... on RulesSuccess {
      version { effectiveFrom note createdBy rules { starLevels noticeDays } }
    }
    ... on MutationError { code message field }
  }
}
"""
HISTORY = """
query($first: Int, $after: String) {
  rulesHistory(first: $first, after: $after) {
    edges { node { effectiveFrom note rules { starLevels } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DEFAULTS: dict[str, Any] = {
    "effectiveFrom": None,
    "starLevels": [100, 300, 600, 1000, 1500],
    "points": {
        "perHour": 1.0,
        "perContribution": {
            "activity": 1.0,
            "projectClaim": 5.0,
            "wish": 2.0,
            "whistleCall": 3.0,
            "visit": 1.0,
        },
    },
    "hours": {
        "roundingMinutes": 30,
        "roundingMode": "DOWN",
        "capPerActivity": 8.0,
        "capPerDay": 12.0,
    },
    "memberQuotas": [{"period": "YEAR", "minHours": 10.0, "minTimes": 0}],
    "unitQuotas": {"activitiesPerQuarter": 1, "projectsPerYear": 2},
    "postCategories": [
        "党员先锋岗",
        "环境义务岗",
        "邻里互助岗",
        "政策宣传岗",
        "法律咨询岗",
        "纠纷调解岗",
    ],
    "noticeDays": 0,
}


class Clerk:
    """One signed-in user of the county, calling the API."""

    def __init__(self, graphql: GraphQLCall, token: str) -> None:
        self.graphql, self.token = graphql, token

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.graphql(query, variables, county=COUNTY, headers=bearer(self.token))

    async def rules(self, days_from_today: int | None = None) -> dict[str, Any]:
        on = None if days_from_today is None else day(days_from_today)
        body = await self.call(RULES, {"on": on})
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]["rules"]
        return result

    async def set_rules(
        self, days_from_today: int, rules: dict[str, Any], note: str | None = None
    ) -> dict[str, Any]:
        variables = {"from": day(days_from_today), "rules": rules, "note": note}
        body = await self.call(SET_RULES, variables)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]["setRules"]
        return result


def day(days_from_today: int) -> str:
    return (today() + timedelta(days=days_from_today)).isoformat()


async def clerks(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> tuple[Clerk, Clerk]:
    """The county admin, and a community admin two levels below."""
    tenant = await make_tenant(county_code=COUNTY)
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    community = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    await add_user(db, settings, tenant.id, "wang", roles=[("county_admin", root)])
    await add_user(db, settings, tenant.id, "li", roles=[("community_admin", community)])
    county = Clerk(graphql, await token_for(graphql, "wang", county=COUNTY))
    return county, Clerk(graphql, await token_for(graphql, "li", county=COUNTY))


async def test_a_county_that_set_nothing_has_the_platform_defaults(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    county, community = await clerks(graphql, make_tenant, db, settings)
    assert await county.rules() == DEFAULTS
    assert await community.rules(days_from_today=365) == DEFAULTS
    history = await county.call(HISTORY)
    assert history == {
        "data": {
            "rulesHistory": {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
        }
    }


async def test_rules_set_for_a_later_day_hold_from_that_day_and_not_before(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    county, community = await clerks(graphql, make_tenant, db, settings)
    first = await county.set_rules(
        10,
        {
            "starLevels": [50, 150, 300, 600, 1000],
            "hours": {"roundingMinutes": 15, "roundingMode": "NEAREST", "capPerDay": 10},
            "memberQuotas": [
                {"period": "HALF_YEAR", "minHours": 4, "minTimes": 1},
                {"period": "YEAR", "minHours": 40, "minTimes": 8},
            ],
            "postCategories": ["党员先锋岗", " 文明劝导岗 "],
            "noticeDays": 3,
        },
        note="县委组织部 2027 年 1 号文",
    )
    assert first == {
        "__typename": "RulesSuccess",
        "version": {
            "effectiveFrom": day(10),
            "note": "县委组织部 2027 年 1 号文",
            "createdBy": "wang同志",
            "rules": {"starLevels": [50, 150, 300, 600, 1000], "noticeDays": 3},
        },
    }
    second = await county.set_rules(30, {"points": {"perHour": 1.5}})
    assert second["__typename"] == "RulesSuccess"

    assert await community.rules() == DEFAULTS
    assert await community.rules(days_from_today=9) == DEFAULTS
    assert await community.rules(days_from_today=10) == DEFAULTS | {
        "effectiveFrom": day(10),
        "starLevels": [50, 150, 300, 600, 1000],
        "hours": {
            "roundingMinutes": 15,
            "roundingMode": "NEAREST",
            "capPerActivity": 8.0,
            "capPerDay": 10.0,
        },
        "memberQuotas": [
            {"period": "HALF_YEAR", "minHours": 4.0, "minTimes": 1},
            {"period": "YEAR", "minHours": 40.0, "minTimes": 8},
        ],
        "postCategories": ["党员先锋岗", "文明劝导岗"],
        "noticeDays": 3,
    }
    later = await community.rules(days_from_today=30)
    assert later == DEFAULTS | {
        "effectiveFrom": day(30),
        "points": {**DEFAULTS["points"], "perHour": 1.5},
    }

    page = await community.call(HISTORY, {"first": 1})
    assert page["data"]["rulesHistory"]["edges"] == [
        {
            "node": {
                "effectiveFrom": day(30),
                "note": None,
                "rules": {"starLevels": DEFAULTS["starLevels"]},
            }
        }
    ]
    rest = await community.call(
        HISTORY, {"first": 1, "after": page["data"]["rulesHistory"]["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["effectiveFrom"] for e in rest["data"]["rulesHistory"]["edges"]] == [day(10)]
    assert rest["data"]["rulesHistory"]["pageInfo"]["hasNextPage"] is False


async def test_rules_cannot_be_set_for_a_day_already_past(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    county, _ = await clerks(graphql, make_tenant, db, settings)
    assert await county.set_rules(-1, {"noticeDays": 5}) == {
        "__typename": "MutationError",
        "code": "INVALID_RULES",
        "message": f"生效日期不能早于今天（{day(0)}）：已过去的时段仍按当时的规则评定",
        "field": "effectiveFrom",
    }
    assert (await county.set_rules(0, {"noticeDays": 5}))["__typename"] == "RulesSuccess"
    assert (await county.rules())["noticeDays"] == 5


async def test_a_community_admin_reads_the_rules_but_may_not_set_them(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    _, community = await clerks(graphql, make_tenant, db, settings)
    assert await community.set_rules(1, {"noticeDays": 5}) == {
        "__typename": "MutationError",
        "code": "FORBIDDEN",
        "message": "您没有在此范围内进行该操作的权限",
        "field": None,
    }
    assert await community.rules(days_from_today=1) == DEFAULTS


async def test_someone_without_a_role_may_not_read_the_rules(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    tenant = await make_tenant(county_code=COUNTY)
    await add_user(db, settings, tenant.id, "zhao")
    stranger = Clerk(graphql, await token_for(graphql, "zhao", county=COUNTY))
    body = await stranger.call(RULES)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["message"]) == (
        "FORBIDDEN",
        "您没有在此范围内进行该操作的权限",
    )


async def test_bad_rules_are_refused_with_the_field_at_fault_and_nothing_is_saved(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> None:
    county, _ = await clerks(graphql, make_tenant, db, settings)

    async def refusal(rules: dict[str, Any]) -> tuple[str, str, str]:
        result = await county.set_rules(1, rules)
        assert result["__typename"] == "MutationError", result
        return result["code"], result["message"], result["field"]

    assert await refusal({"starLevels": [100, 300, 250, 1000, 1500]}) == (
        "INVALID_RULES",
        "三星的时长门槛（250 小时）应高于二星（300 小时）",
        "starLevels[2]",
    )
    assert await refusal(
        {
            "memberQuotas": [
                {"period": "YEAR", "minHours": 10},
                {"period": "QUARTER", "minHours": -2},
            ]
        }
    ) == ("INVALID_RULES", "第 2 项党员指标的最少服务时长不能为负数", "memberQuotas[1].minHours")
    assert await refusal({"postCategories": ["党员先锋岗", "环境义务岗", "党员先锋岗"]}) == (
        "INVALID_RULES",
        "岗位类别“党员先锋岗”重复了",
        "postCategories[2]",
    )
    assert await refusal({"points": {"perContribution": {"projectClaim": 0.005}}}) == (
        "INVALID_RULES",
        "每次项目认领的积分最多保留两位小数",
        "points.perContribution.projectClaim",
    )
    assert await refusal({"unitQuotas": {"projectsPerYear": -1}}) == (
        "INVALID_RULES",
        "单位每年认领项目数不能为负数",
        "unitQuotas.projectsPerYear",
    )
    history = await county.call(HISTORY)
    assert history["data"]["rulesHistory"]["edges"] == []
    assert await county.rules(days_from_today=1) == DEFAULTS
