"""双报到 end to end through GraphQL, as each side does it: a unit registers and signs an
agreement, its members register in a batch, the community confirms and issues receipts,
the unit files them, a member moves; and two confirmations of one slip at once."""

import asyncio
import base64
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from infra.db import Database
from infra.settings import Settings
from services.events.models import Event
from services.registration.models import MemberRegistration
from services.registry.models import Member, Unit
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import add_member, add_node, add_unit, add_user, root_of

COUNTY = "130123"
ERROR = "... on MutationError { code message field }"
SLIP = "id slipNumber status channel receiptNumber receiptFiledAt community { name } endReason"

SUBMIT_UNIT = f"""mutation($unit: ID!, $s: String) {{
  submitUnitRegistration(unitId: $unit, statement: $s) {{
    ... on UnitRegistrationSuccess {{ registration {{ id status community {{ name }} }} }} {ERROR}
  }} }}"""
CONFIRM_UNIT = f"""mutation($id: ID!) {{ confirmUnitRegistration(id: $id) {{
  ... on UnitRegistrationSuccess {{ registration {{ status }} }} {ERROR} }} }}"""
TERMS = "id number status version resources startsOn endsOn contacts { name side }"
SIGN = f"""mutation($r: ID!, $t: AgreementTermsInput!) {{
  signAgreement(registrationId: $r, terms: $t) {{
    ... on AgreementSuccess {{ agreement {{ {TERMS} }} }} {ERROR} }} }}"""
AMEND = f"""mutation($id: ID!, $t: AgreementTermsInput!, $why: String!) {{
  amendAgreement(id: $id, terms: $t, reason: $why) {{
    ... on AgreementSuccess {{ agreement {{ {TERMS}
      history {{ version change reason resources changedBy }} }} }} {ERROR} }} }}"""
RENEW = f"""mutation($id: ID!, $t: AgreementTermsInput!) {{ renewAgreement(id: $id, terms: $t) {{
  ... on AgreementSuccess {{ agreement {{ {TERMS} }} }} {ERROR} }} }}"""
BATCH = f"""mutation($unit: ID!, $ids: [ID!]!) {{
  registerUnitMembers(unitId: $unit, memberIds: $ids) {{
    ... on MemberRegistrationsSuccess {{ registrations {{ {SLIP} member {{ name }} }} }}
    {ERROR} }} }}"""
CONFIRM = f"""mutation($ids: [ID!]!) {{ confirmMemberRegistrations(ids: $ids) {{
  ... on MemberRegistrationsSuccess {{ registrations {{ {SLIP} }} }} {ERROR} }} }}"""
FILE = f"""mutation($ids: [ID!]!) {{ fileReceipts(ids: $ids) {{
  ... on MemberRegistrationsSuccess {{ registrations {{ {SLIP} }} }} {ERROR} }} }}"""
MOVE = f"""mutation($m: ID!, $c: ID!, $r: ID) {{
  moveMember(memberId: $m, communityId: $c, residenceId: $r, reason: "购房迁居") {{
    ... on MemberRegistrationSuccess {{ registration {{ {SLIP} residence {{ name }}
      movedFrom {{ slipNumber status endReason }} }} }} {ERROR} }} }}"""
SLIPS = f"""query($unit: ID, $filed: Boolean, $status: RegistrationStatus) {{
  memberRegistrations(unitId: $unit, receiptFiled: $filed, status: $status) {{
    edges {{ node {{ {SLIP} member {{ name }} }} }} }} }}"""
ROSTER = """query($unit: ID!, $s: RosterStatus) { unitRoster(unitId: $unit, status: $s) {
  edges { node { name registration { status community { name } decidedAt } } } } }"""
COUNTS = """query($c: ID!) { communityRegistrationCounts(communityId: $c) {
  place { name } residents registered pending unreported } }"""
UNREPORTED = """query($w: ID!) { unreportedMembers(within: $w) { edges { node { name } } } }"""
PDFS = """query($id: ID!) { memberRegistration(id: $id) {
  slipPdf { filename contentType contentBase64 } receiptPdf { filename contentBase64 } } }"""
AGREEMENT_PDF = """query($id: ID!) { agreement(id: $id) { pdf { filename contentBase64 } } }"""
ME = "{ me { unit { name } member { name } } }"


@dataclass
class Place:
    graphql: GraphQLCall
    street: Node
    east: Node
    east_garden: Node
    west: Node
    west_garden: Node
    unit: Unit
    staff: list[Member]
    tokens: dict[str, dict[str, str]]

    async def call(self, who: str, query: str, **variables: Any) -> Any:
        """The one root field's value, as `who` sees it."""
        body = await self.graphql(query, variables, county=COUNTY, headers=self.tokens[who])
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]  # type: ignore[assignment]
        return next(iter(data.values()))


def gid(type_name: str, local: object) -> str:
    return global_id(type_name, local)


@pytest.fixture
async def place(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> Place:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    east_garden = await add_node(db, east, NodeKind.COMPOUND, "东园小区")
    west = await add_node(db, street, NodeKind.COMMUNITY, "西门社区")
    west_garden = await add_node(db, west, NodeKind.COMPOUND, "西园小区")
    unit = await add_unit(db, east, "正定县供电公司", "91130123MA0000001X")
    staff = [
        await add_member(db, settings, east_garden, unit, name, f"1381234567{i}")
        for i, name in enumerate(["王建国", "李秀英", "张伟", "赵敏"])
    ]
    users = {
        "street": [("township_admin", street)],
        "east": [("community_admin", east)],
        "west": [("community_admin", west)],
        "unit": [("org_admin", east)],
        "wang": [("member", east_garden)],
    }
    for username, roles in users.items():
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=roles[0][1],
            roles=roles,
            unit_id=unit.id if username == "unit" else None,
            member_id=staff[0].id if username == "wang" else None,
        )
    tokens = {u: bearer(await token_for(graphql, u, county=COUNTY)) for u in users}
    return Place(graphql, street, east, east_garden, west, west_garden, unit, staff, tokens)


async def test_a_unit_and_its_members_register_and_a_member_moves(
    place: Place, db: Database
) -> None:
    unit_id = gid("Unit", place.unit.id)
    assert await place.call("unit", ME) == {"unit": {"name": "正定县供电公司"}, "member": None}

    # The unit registers where it sits; the community confirms.
    submitted = await place.call("unit", SUBMIT_UNIT, unit=unit_id, s="提供电力安全宣传")
    registration = submitted["registration"]
    assert (registration["status"], registration["community"]) == (
        "SUBMITTED",
        {"name": "东门社区"},
    )
    confirmed = await place.call("east", CONFIRM_UNIT, id=registration["id"])
    assert confirmed == {"registration": {"status": "CONFIRMED"}}

    # The agreement is signed, amended (history kept) and renewed.
    terms = {
        "responsibilities": ["每季度开展一次集体服务活动", "参与社区安全用电检查"],
        "resources": ["会议室"],
        "projects": ["老旧小区线路改造宣传"],
        "contacts": [
            {"name": "刘洋", "side": "unit", "title": "党支部书记", "phone": "0311-88001234"},
            {"name": "陈静", "side": "community", "title": "社区书记"},
        ],
        "startsOn": "2026-01-01",
        "endsOn": "2027-12-31",
    }
    signed = (await place.call("unit", SIGN, r=registration["id"], t=terms))["agreement"]
    assert re.fullmatch(r"XY\d{4}-000001", signed["number"])
    assert (signed["status"], signed["version"]) == ("IN_FORCE", 1)
    amended = (
        await place.call(
            "east",
            AMEND,
            id=signed["id"],
            t={"resources": ["会议室", "电工志愿队"]},
            why="增加资源",
        )
    )["agreement"]
    assert amended["version"] == 2
    assert amended["resources"] == ["会议室", "电工志愿队"]
    assert [
        (h["version"], h["change"], h["reason"], h["resources"]) for h in amended["history"]
    ] == [
        (1, "SIGNED", None, ["会议室"]),
        (2, "AMENDED", "增加资源", ["会议室", "电工志愿队"]),
    ]
    renewed = (await place.call("unit", RENEW, id=signed["id"], t={"endsOn": "2029-12-31"}))[
        "agreement"
    ]
    assert (renewed["version"], renewed["startsOn"], renewed["endsOn"]) == (
        3,
        "2028-01-01",
        "2029-12-31",
    )

    # Three of the unit's four members register together.
    batch = [gid("Member", m.id) for m in place.staff[:3]]
    slips = (await place.call("unit", BATCH, unit=unit_id, ids=batch))["registrations"]
    assert [(s["member"]["name"], s["status"], s["channel"]) for s in slips] == [
        ("王建国", "SUBMITTED", "UNIT_BATCH"),
        ("李秀英", "SUBMITTED", "UNIT_BATCH"),
        ("张伟", "SUBMITTED", "UNIT_BATCH"),
    ]
    numbers = [s["slipNumber"] for s in slips]
    assert len(set(numbers)) == 3
    assert all(re.fullmatch(r"BD\d{4}-\d{6}", n) for n in numbers)

    # The community sees who lives where, who is registered, who has not reported.
    counts = await place.call("east", COUNTS, c=gid("HierarchyNode", place.east.id))
    assert counts == [
        {
            "place": {"name": "东门社区"},
            "residents": 4,
            "registered": 0,
            "pending": 3,
            "unreported": 1,
        },
        {
            "place": {"name": "东园小区"},
            "residents": 4,
            "registered": 0,
            "pending": 3,
            "unreported": 1,
        },
    ]
    unreported = await place.call("east", UNREPORTED, w=gid("HierarchyNode", place.east.id))
    assert [e["node"]["name"] for e in unreported["edges"]] == ["赵敏"]

    # The community confirms them all and issues receipts.
    receipts = (await place.call("east", CONFIRM, ids=[s["id"] for s in slips]))["registrations"]
    assert {r["status"] for r in receipts} == {"CONFIRMED"}
    assert len({r["receiptNumber"] for r in receipts}) == 3
    assert all(re.fullmatch(r"HZ\d{4}-\d{6}", r["receiptNumber"]) for r in receipts)

    # The receipts reach the unit, which files them.
    waiting = await place.call("unit", SLIPS, unit=unit_id, filed=False, status="CONFIRMED")
    assert sorted(e["node"]["member"]["name"] for e in waiting["edges"]) == [
        "张伟",
        "李秀英",
        "王建国",
    ]
    filed = (await place.call("unit", FILE, ids=[r["id"] for r in receipts]))["registrations"]
    assert all(r["receiptFiledAt"] for r in filed)
    assert (await place.call("unit", SLIPS, unit=unit_id, filed=False, status="CONFIRMED")) == {
        "edges": []
    }

    # The unit's side of dual management: who is registered, where, since when.
    roster = await place.call("unit", ROSTER, unit=unit_id)
    seen = {e["node"]["name"]: e["node"]["registration"] for e in roster["edges"]}
    assert seen["赵敏"] is None
    assert seen["王建国"]["status"] == "CONFIRMED"
    assert seen["王建国"]["community"] == {"name": "东门社区"}
    assert seen["王建国"]["decidedAt"]
    missing = await place.call("unit", ROSTER, unit=unit_id, s="UNREGISTERED")
    assert [e["node"]["name"] for e in missing["edges"]] == ["赵敏"]

    # 王建国 moves west: the old registration ends (kept), a new slip goes to 西门社区.
    moved = (
        await place.call(
            "wang",
            MOVE,
            m=gid("Member", place.staff[0].id),
            c=gid("HierarchyNode", place.west.id),
            r=gid("HierarchyNode", place.west_garden.id),
        )
    )["registration"]
    assert (moved["status"], moved["channel"], moved["community"], moved["residence"]) == (
        "SUBMITTED",
        "SELF",
        {"name": "西门社区"},
        {"name": "西园小区"},
    )
    assert moved["movedFrom"] == {
        "slipNumber": numbers[0],
        "status": "ENDED",
        "endReason": "迁居至西门社区：购房迁居",
    }
    assert (await place.call("west", CONFIRM, ids=[moved["id"]]))["registrations"][0]["status"] == (
        "CONFIRMED"
    )
    # The member now only counts where they live; their history stays with them.
    after = await place.call("east", COUNTS, c=gid("HierarchyNode", place.east.id))
    assert after[0] | {"place": None} == {
        "place": None,
        "residents": 3,
        "registered": 2,
        "pending": 0,
        "unreported": 1,
    }
    own = await place.call("wang", SLIPS)
    assert [e["node"]["status"] for e in own["edges"]] == ["CONFIRMED", "ENDED"]

    # Every step wrote an event.
    async with db.tenant_session(place.unit.tenant_id) as session:
        types = list(await session.scalars(select(Event.type).order_by(Event.id)))
    assert types == [
        "unit_registration.submitted",
        "unit_registration.confirmed",
        "agreement.signed",
        "agreement.amended",
        "agreement.renewed",
        *["member_registration.submitted"] * 3,
        *["member_registration.confirmed", "member_registration.receipt_issued"] * 3,
        *["member_registration.receipt_filed"] * 3,
        "member_registration.ended",
        "member_registration.submitted",
        "member_registration.confirmed",
        "member_registration.receipt_issued",
    ]

    # The papers: slip, receipt and agreement as A4 PDFs with their numbers.
    pdfs = await place.call("unit", PDFS, id=slips[1]["id"])
    assert pdfs["slipPdf"]["contentType"] == "application/pdf"
    assert pdfs["slipPdf"]["filename"] == f"报到单-{numbers[1]}.pdf"
    for document in (pdfs["slipPdf"], pdfs["receiptPdf"]):
        assert base64.b64decode(document["contentBase64"]).startswith(b"%PDF")
    agreement = await place.call("east", AGREEMENT_PDF, id=signed["id"])
    text = _pdf_text(base64.b64decode(agreement["pdf"]["contentBase64"]))
    assert "共驻共建协议" in text
    assert "正定县供电公司" in text
    assert "电工志愿队" in text
    receipt_text = _pdf_text(base64.b64decode(pdfs["receiptPdf"]["contentBase64"]))
    assert "李秀英" in receipt_text
    assert receipts[1]["receiptNumber"] in receipt_text


def _pdf_text(content: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(content)
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def test_two_confirmations_of_one_slip_at_once_issue_exactly_one_receipt(
    place: Place, db: Database
) -> None:
    slip = (
        await place.call(
            "unit", BATCH, unit=gid("Unit", place.unit.id), ids=[gid("Member", place.staff[3].id)]
        )
    )["registrations"][0]

    async def confirm(who: str) -> Any:
        return await place.call(who, CONFIRM, ids=[slip["id"]])

    # The community admin and the street admin confirm at the same moment, twice each.
    results = await asyncio.gather(*(confirm(who) for who in ("east", "street", "east", "street")))
    confirmed = [r for r in results if "registrations" in r]
    refused = [r for r in results if "code" in r]
    assert len(confirmed) == 1
    assert [(r["code"], r["field"]) for r in refused] == [("REGISTRATION_CLOSED", "ids")] * 3
    assert {r["message"] for r in refused} == {
        f"报到单 {slip['slipNumber']} 已经社区确认，不能再确认"
    }
    async with db.tenant_session(place.unit.tenant_id) as session:
        rows = list(await session.scalars(select(MemberRegistration)))
        issued = list(
            await session.scalars(
                select(Event).where(Event.type == "member_registration.receipt_issued")
            )
        )
    assert [row.receipt_number for row in rows] == [
        confirmed[0]["registrations"][0]["receiptNumber"]
    ]
    assert len(issued) == 1
