"""The events log as the `events` query reads it: in the order transactions become final
(a late commit is never passed by), only within the reader's scope, filtered by type and
subtree, page by page from an opaque cursor; every bad argument refused exactly. And the
payload contract (graphql/events/): a schema for every type the code writes, and the
events of whole journeys valid against it."""

import ast
import base64
import json
import re
from pathlib import Path
from typing import Any
from uuid import uuid4

from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import text

from infra.db import Database
from policies.paths import node_ids
from policies.principal import Grant, Principal, PrincipalKind
from policies.roles import Role
from services.events.contract import payload_version
from services.events.log import START, EventFilter, admits, read, read_all
from services.events.service import record_event
from tests.api import test_community_week, test_service_journey
from tests.api.test_activities import COUNTY, County, county, nid
from tests.api.test_community_week import week
from tests.api.test_event_subscription import KEY, LOG, log_of, settled
from tests.conftest import ClonedDatabase

__all__ = ["county", "week"]  # the fixtures of the journeys replayed here

JOURNEY = "test_an_activity_from_publication_to_confirmed_hours_and_a_checked_certificate"
FORBIDDEN = "您没有在此范围内进行该操作的权限"
BAD_CURSOR = "游标 after 无效：请原样传回事件的 cursor（或分页的 endCursor）"


async def write(county: County, type: str, where: str | None, **payload: Any) -> None:
    """An event committed on its own, at the node named (None: the whole county)."""
    async with county.db.tenant_session(county.root.tenant_id) as session:
        await record_event(session, type=type, payload=payload, scope_path=path(county, where))


def path(county: County, where: str | None) -> str | None:
    return None if where is None else str(getattr(county, where).path)


def types_of(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


async def errors(county: County, who: str, **variables: Any) -> list[dict[str, Any]]:
    body = await county.ask(who, LOG, **variables)
    assert body["data"] is None, body
    return [{"message": e["message"], **e["extensions"]} for e in body["errors"]]


async def test_a_transaction_that_commits_late_is_read_in_its_place_not_skipped(
    county: County, test_database: ClonedDatabase
) -> None:
    await write(county, "need.raised", "east", n=1)
    await settled(county)
    early = Database(test_database.app_url, pool_size=1, max_overflow=0)
    try:
        async with early.tenant_session(county.root.tenant_id) as session:
            # Its transaction starts before the next event's and commits after it.
            await session.execute(text("SELECT pg_current_xact_id()"))
            await write(county, "need.raised", "east", n=3)
            # Committed, but behind a transaction still running: not read yet, so a
            # reader that moves past it cannot pass the earlier one by.
            seen = await county.call("admin", LOG, first=100)
            assert [e["node"]["payload"] for e in seen["edges"]] == [{"n": 1}]
            await record_event(session, type="need.raised", payload={"n": 2}, scope_path=None)
    finally:
        await early.dispose()
    log = await log_of(county, "admin")
    assert [e["payload"] for e in log] == [{"n": 1}, {"n": 2}, {"n": 3}]
    # Its ids tell another order: the late one drew its id last.
    ids = await county.sql("SELECT payload->>'n' FROM events ORDER BY id")
    assert [row[0] for row in ids] == ["1", "3", "2"]
    after_first = await county.call("admin", LOG, after=log[0]["cursor"], first=100)
    assert [e["node"]["payload"] for e in after_first["edges"]] == [{"n": 2}, {"n": 3}]


async def test_each_reader_reads_the_events_of_its_scope(county: County) -> None:
    for where in (None, "root", "street", "east", "garden", "west", "south"):
        await write(county, "need.raised", where, at=where)
    made = await county.call("admin", KEY, n=nid(county.east), name="东门社区合作系统")
    county.tokens["partner"] = {"Authorization": f"Bearer {made['key']}"}

    async def places(who: str, **variables: Any) -> list[str | None]:
        return [e["payload"]["at"] for e in await log_of(county, who, **variables)]

    everywhere = [None, "root", "street", "east", "garden", "west", "south"]
    assert await places("admin") == everywhere
    assert await places("auditor") == everywhere
    # Below the county: its subtree only, and nothing of the county as a whole.
    assert await places("street") == ["street", "east", "garden", "west"]
    assert await places("partner") == ["east", "garden"]
    # `within` narrows; above the reader's scope it is its scope.
    assert await places("admin", within=nid(county.street)) == ["street", "east", "garden", "west"]
    assert await places("street", within=nid(county.east)) == ["east", "garden"]
    assert await places("street", within=nid(county.root)) == ["street", "east", "garden", "west"]
    refused = [{"message": FORBIDDEN, "code": "FORBIDDEN"}]
    assert await errors(county, "street", within=nid(county.south)) == refused
    assert await errors(county, "partner", within=nid(county.west)) == refused
    # Roles without `event read`: refused, and the refusal audited.
    for who in ("east", "power", "zhang"):
        assert await errors(county, who) == refused, who
    denied = await county.sql(
        "SELECT count(*) FROM audit_log WHERE action = 'event.read' AND outcome = 'denied'"
    )
    assert denied[0][0] == 5


async def test_types_filter_by_full_type_or_prefix_and_pages_follow_the_cursor(
    county: County,
) -> None:
    for type in ("wish.posted", "wish.claimed", "whistle_call.blown", "need.raised", "wishes.x"):
        await write(county, type, "east")

    async def types(*given: str) -> list[str]:
        return types_of(await log_of(county, "admin", types=list(given)))

    assert await types("wish.") == ["wish.posted", "wish.claimed"]
    assert await types("wish.claimed", "need.") == ["wish.claimed", "need.raised"]
    # `_` is a letter here, not a wildcard.
    assert await types("whistle_call.") == ["whistle_call.blown"]
    assert await types("whistle.") == []

    pages, after = [], None
    while True:
        page = await county.call("admin", LOG, first=2, after=after)
        pages.append(types_of([edge["node"] for edge in page["edges"]]))
        assert [e["cursor"] for e in page["edges"]] == [e["node"]["cursor"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [
        ["wish.posted", "wish.claimed"],
        ["whistle_call.blown", "need.raised"],
        ["wishes.x"],
    ]


async def test_live_followers_choose_events_as_the_query_does(county: County) -> None:
    """The tail hands events on by `admits`; the log reads them in SQL: the same choice
    for every reader, subtree and type filter."""
    places = (None, "root", "street", "east", "garden", "west", "south")
    kinds = ("wish.posted", "wish.claimed", "whistle_call.blown", "need.raised")
    for n, (place, kind) in enumerate((p, k) for p in places for k in kinds):
        await write(county, kind, place, n=n)
    await settled(county)

    def reader(*grants: tuple[Role, str], kind: PrincipalKind = PrincipalKind.USER) -> Principal:
        held = tuple(
            Grant(role=role, node_id=node_ids(path)[-1], path=path) for role, path in grants
        )
        return Principal(
            kind=kind, id=uuid4(), tenant_id=county.root.tenant_id, name="读者", grants=held
        )

    root, street, east, south = (
        str(getattr(county, name).path) for name in ("root", "street", "east", "south")
    )
    readers = [
        reader(kind=PrincipalKind.PLATFORM_ADMIN),
        reader((Role.COUNTY_ADMIN, root)),
        reader((Role.AUDITOR, root)),
        reader((Role.TOWNSHIP_ADMIN, street)),
        reader((Role.PARTNER, east)),
        reader((Role.PARTNER, east), (Role.TOWNSHIP_ADMIN, south)),
        reader((Role.COMMUNITY_ADMIN, east)),
        reader((Role.MEMBER, east)),
    ]
    filters = [
        EventFilter(),
        EventFilter(types=("wish.",)),
        EventFilter(types=("wish.claimed", "need.")),
        EventFilter(within=street),
        EventFilter(types=("whistle_call.",), within=east),
    ]
    async with county.db.tenant_session(county.root.tenant_id) as session:
        everything = (await read_all(session, START, 500)).events
        assert len(everything) == len(places) * len(kinds)
        for principal in readers:
            for where in filters:
                page = await read(session, principal, where, START, 100)
                chosen = [e.id for e in everything if admits(principal, where, e)]
                assert [e.id for e in page.events] == chosen, (principal.grants, where)


def encoded(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


async def test_bad_arguments_are_refused_exactly(county: County) -> None:
    bad_cursor = [{"message": BAD_CURSOR, "code": "INVALID_INPUT", "field": "after"}]
    for cursor in ("abc", "!!!", encoded("[1]"), encoded("[1,-2]"), encoded('["1",2]'), ""):
        assert await errors(county, "admin", after=cursor) == bad_cursor, cursor
    for given in ("Wish.posted", "wish", "wish..", ".wish", "wish.*", "wish.posted.x-y"):
        message = (
            f"事件类型 {given!r} 无效：应为完整类型（如 wish.claimed）或以点结尾的前缀（如 wish.）"
        )
        expected = [{"message": message, "code": "INVALID_INPUT", "field": "types"}]
        assert await errors(county, "admin", types=[given]) == expected, given
    # Surrounding spaces are forgiven.
    await write(county, "wish.posted", "east")
    assert types_of(await log_of(county, "admin", types=[" wish.posted "])) == ["wish.posted"]
    too_many = [f"t{n}.x" for n in range(51)]
    assert await errors(county, "admin", types=too_many) == [
        {"message": "事件类型 types 最多 50 个", "code": "INVALID_INPUT", "field": "types"}
    ]
    for first in (0, 101):
        assert await errors(county, "admin", first=first) == [
            {
                "message": "每页条数 first 应在 1 到 100 之间",
                "code": "INVALID_INPUT",
                "field": "first",
            }
        ]
    unit = base64.b64encode(b"Unit:1").decode()
    assert await errors(county, "admin", within=unit) == [
        {
            "message": f"编号 {unit} 不是有效的HierarchyNode编号",
            "code": "NOT_FOUND",
            "field": "within",
        }
    ]


# --- the payload contract (graphql/events/) ---------------------------------------------

CONTRACT = Path(__file__).parents[2] / "graphql" / "events"
SCHEMA_FILE = re.compile(r"^(?P<type>[a-z][a-z0-9_.]*)\.v(?P<version>[1-9][0-9]*)\.json$")
SOURCES = [Path(__file__).parents[2] / package for package in ("services", "tenants", "policies")]


def contract() -> dict[tuple[str, int], dict[str, Any]]:
    """Every schema of the contract, by (type, version)."""
    found = {}
    for file in sorted(CONTRACT.glob("*.json")):
        name = SCHEMA_FILE.match(file.name)
        assert name, f"{file.name}: name it <type>.v<version>.json"
        found[(name["type"], int(name["version"]))] = json.loads(file.read_text("utf-8"))
    return found


def validator(event_type: str) -> Draft202012Validator:
    schema = contract().get((event_type, payload_version(event_type)))
    assert schema is not None, f"no contract for {event_type} v{payload_version(event_type)}"
    return Draft202012Validator(schema, format_checker=FormatChecker())


def written_by_the_code() -> tuple[set[str], set[str]]:
    """The event types the code names where it writes events, and the subjects (`wish.`)
    of those it composes (`f"wish.{step}"`): a scan of record_step/record_event calls."""
    types: set[str] = set()
    subjects: set[str] = set()
    for path in (file for package in SOURCES for file in package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
            callee = call.func
            name = getattr(callee, "id", None) or getattr(callee, "attr", None)
            if name not in ("record_step", "record_event"):
                continue
            given = {k.arg: k.value for k in call.keywords}.get("type")
            if isinstance(given, ast.Constant) and isinstance(given.value, str):
                types.add(given.value)
            elif isinstance(given, ast.Name) and given.id in constants:
                types.add(constants[given.id])
            elif isinstance(given, ast.JoinedStr):
                first, *rest = given.values
                if isinstance(first, ast.Constant):
                    subjects.add(str(first.value).split(".")[0] + ".")
                elif (
                    isinstance(first, ast.FormattedValue)
                    and isinstance(first.value, ast.Name)
                    and first.value.id in constants
                    and rest
                    and isinstance(rest[0], ast.Constant)
                ):
                    types.add(constants[first.value.id] + str(rest[0].value))
    return types, subjects | {t.split(".")[0] + "." for t in types}


def test_the_contract_is_a_valid_json_schema_per_type_and_the_version_written() -> None:
    schemas = contract()
    assert len(schemas) >= 70
    for (event_type, _), schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert schema["title"] == event_type
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False, event_type
        assert schema["description"], event_type
        assert all(p.get("description") for p in schema["properties"].values()), event_type
        assert set(schema["required"]) <= set(schema["properties"]), event_type
        # The version the code writes is the newest in the contract, and none is skipped.
        versions = sorted(v for (t, v) in schemas if t == event_type)
        assert versions == list(range(1, payload_version(event_type) + 1)), event_type


def test_every_event_type_the_code_writes_has_a_contract() -> None:
    types, subjects = written_by_the_code()
    documented = {event_type for event_type, _ in contract()}
    assert types
    assert subjects
    assert sorted(types - documented) == []
    assert sorted(s for s in subjects if not any(t.startswith(s) for t in documented)) == []


async def events_follow_the_contract(db: Database) -> None:
    """Every event of the county's log is valid against its type's contract."""
    async with db.engine.connect() as connection:
        tenant_id = await connection.scalar(
            text("SELECT id FROM tenants WHERE county_code = :c"), {"c": COUNTY}
        )
    async with db.tenant_session(tenant_id) as session:
        events = (await session.execute(text("SELECT type, payload FROM events"))).all()
    assert len({event.type for event in events}) >= 8
    problems = [
        f"{event.type}: {error.message}"
        for event in events
        for error in validator(event.type).iter_errors(event.payload)
    ]
    assert problems == []


async def test_the_events_of_a_week_in_a_community_follow_the_contract(
    week: tuple[test_community_week.Week, dict[str, Any]], db: Database
) -> None:
    await test_community_week.test_a_week_in_a_community(week, db)
    await events_follow_the_contract(db)


async def test_the_events_of_an_activity_to_a_certificate_follow_the_contract(
    county: County, db: Database
) -> None:
    journey = getattr(test_service_journey, JOURNEY)
    await journey(county)
    await events_follow_the_contract(db)
