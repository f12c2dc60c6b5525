"""志愿服务证明 through GraphQL, as each user does it: a member issues their own from their
confirmed records, staff issue one for a member living in their area, anyone checks the
code with no sign-in and no county named; records corrected or declined after issue show
in the check; the PDF prints what was issued; every refusal exact and writing nothing.

Confirmed records are made with the records core (`add_record`) and then confirmed with a
plain update, as the organiser's confirmation would leave them."""

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from sqlalchemy import text

from infra.clock import CHINA, now, today
from infra.db import Database
from infra.settings import Settings
from services.documents import Document, Section, render
from services.records.models import RecordSource, RecordStatus, ServiceRecord
from services.records.recording import Service, add_record
from services.registration.models import RegistrationStatus
from services.registry.models import Gender, Member, Unit
from services.registry.numbers import credit_code_check_char
from tenants.hierarchy.models import Node, NodeKind
from tests.api.graphql_client import bearer, global_id, statements_during, token_for
from tests.conftest import GraphQLCall, MakeTenant
from tests.factories import (
    add_member,
    add_node,
    add_unit,
    add_user,
    register_member,
    root_of,
)

COUNTY = "130123"
OPERATIONS = Path(__file__).parents[2] / "graphql" / "operations"
ISSUE = (OPERATIONS / "IssueServiceCertificate.graphql").read_text(encoding="utf-8")
VERIFY = (OPERATIONS / "VerifyServiceCertificate.graphql").read_text(encoding="utf-8")
LIST = (OPERATIONS / "ServiceCertificates.graphql").read_text(encoding="utf-8")
PDF = (OPERATIONS / "ServiceCertificatePdf.graphql").read_text(encoding="utf-8")
ONE = "query($id: ID!) { serviceCertificate(id: $id) { code totalHours recordCount } }"
FORBIDDEN = {"code": "FORBIDDEN", "message": "您没有在此范围内进行该操作的权限", "field": None}
TABLES = ("service_certificates", "events")
CODE = re.compile(r"^130123(-[0-9A-HJKMNP-TV-Z]{4}){4}$")
MALFORMED = {"valid": False, "message": "核验码格式不正确", "certificate": None}
UNKNOWN = {"valid": False, "message": "未找到该核验码对应的证明", "certificate": None}
ISSUER = "正定县「双报到、双服务」工作平台"


def credit_code(serial: int) -> str:
    first17 = f"91130123MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def refusal(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def local(global_certificate_id: str) -> int:
    return int(base64.b64decode(global_certificate_id).decode().split(":")[1])


def zh_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class County:
    graphql: GraphQLCall
    db: Database
    root: Node
    east: Node
    garden: Node
    west: Node
    power: Unit
    members: dict[str, Member]
    tokens: dict[str, dict[str, str]]

    async def ask(self, who: str | None, query: str, **variables: Any) -> dict[str, Any]:
        headers = self.tokens[who] if who else None
        return await self.graphql(query, variables, county=COUNTY, headers=headers)

    async def call(self, who: str | None, query: str, **variables: Any) -> Any:
        body = await self.ask(who, query, **variables)
        assert "errors" not in body, body
        [value] = body["data"].values()
        return value

    async def issue(self, who: str, start: date, end: date, member: str | None = None) -> Any:
        member_id = global_id("Member", self.members[member].id) if member else None
        return await self.call(
            who,
            ISSUE,
            **{"from": start.isoformat(), "to": end.isoformat(), "memberId": member_id},
        )

    async def issued(self, who: str, start: date, end: date, member: str | None = None) -> Any:
        result = await self.issue(who, start, end, member)
        assert "certificate" in result, result
        return result["certificate"]

    async def verify(self, code: str, **headers: str) -> dict[str, Any]:
        """As anyone: no Authorization; no X-County-Code unless `headers` name one."""
        body = await self.graphql(VERIFY, {"code": code}, headers=headers)
        assert "errors" not in body, body
        verified: dict[str, Any] = body["data"]["verifyServiceCertificate"]  # type: ignore[index]
        return verified

    async def listed(self, who: str, member: str | None = None) -> list[str]:
        member_id = global_id("Member", self.members[member].id) if member else None
        found = await self.call(who, LIST, memberId=member_id, first=100)
        return [edge["node"]["code"] for edge in found["edges"]]

    async def serve(
        self,
        member: str,
        days_ago: int,
        title: str,
        *,
        hours: float = 2,
        by_unit: bool = False,
        status: RecordStatus = RecordStatus.CONFIRMED,
        start: time = time(9, 0),
    ) -> ServiceRecord:
        """A service record of `member` as its organiser left it (confirmed by default)."""
        started = datetime.combine(ago(days_ago), start, CHINA)
        async with self.db.tenant_session(self.root.tenant_id) as session:
            record = await add_record(
                session,
                None,
                Service(
                    member_id=self.members[member].id,
                    source=RecordSource.ENTERED,
                    node=(self.east.id, self.east.path),
                    organiser_unit_id=self.power.id if by_unit else None,
                    title=title,
                    post_category=None,
                    started_at=started,
                    ended_at=started + timedelta(hours=hours),
                ),
            )
            if status is not RecordStatus.PENDING:
                record.status, record.decided_at = status, now()
        return record

    async def sql(self, statement: str, **values: Any) -> list[Any]:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            return list((await session.execute(text(statement), values)).all())

    async def update(self, statement: str, **values: Any) -> None:
        async with self.db.tenant_session(self.root.tenant_id) as session:
            await session.execute(text(statement), values)

    async def snapshot(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for table in TABLES:
            query = f"""SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text),
                '[]'::jsonb) FROM {table} t"""
            rows[table] = (await self.sql(query))[0][0]
        done = "SELECT action FROM audit_log WHERE outcome = 'succeeded' ORDER BY id"
        rows["audit_log"] = [row[0] for row in await self.sql(done)]
        return rows


@pytest.fixture
async def county(
    graphql: GraphQLCall, make_tenant: MakeTenant, db: Database, settings: Settings
) -> County:
    tenant = await make_tenant(county_code=COUNTY, name="正定县")
    root = await root_of(db, tenant.id)
    street = await add_node(db, root, NodeKind.TOWNSHIP, "城关街道")
    east = await add_node(db, street, NodeKind.COMMUNITY, "东门社区")
    garden = await add_node(db, east, NodeKind.COMPOUND, "东园小区")
    west = await add_node(db, street, NodeKind.COMMUNITY, "西门社区")
    power = await add_unit(db, east, "供电公司", credit_code(1))
    water = await add_unit(db, west, "自来水公司", credit_code(2))
    people = {
        "zhang": ("张三", garden, east, power, Gender.MALE),
        "li": ("李四", garden, east, water, Gender.FEMALE),
        "wang": ("王五", west, west, water, Gender.MALE),
    }
    members = {}
    for i, (key, (name, home, community, unit, gender)) in enumerate(people.items()):
        member = await add_member(db, settings, home, unit, name, f"1380000000{i}", gender=gender)
        await register_member(
            db, member, community, residence=home, status=RegistrationStatus.CONFIRMED
        )
        members[key] = member
    accounts: dict[str, tuple[str, Node]] = {
        "east": ("community_admin", east),
        "west": ("community_admin", west),
        "street": ("township_admin", street),
        "auditor": ("auditor", root),
        "power": ("org_admin", east),
        **{key: ("member", people[key][1]) for key in people},
    }
    tokens = {}
    for username, (role, at) in accounts.items():
        linked = members.get(username)
        await add_user(
            db,
            settings,
            tenant.id,
            username,
            node=at,
            roles=[(role, at)],
            unit_id=power.id if username == "power" else None,
            member_id=linked.id if linked else None,
        )
        tokens[username] = bearer(await token_for(graphql, username, county=COUNTY))
    return County(graphql, db, root, east, garden, west, power, members, tokens)


async def test_a_member_issues_their_certificate_and_anyone_checks_its_code(
    county: County,
) -> None:
    await county.serve("zhang", 90, "春节慰问", hours=3)  # before the period
    first = await county.serve("zhang", 40, "社区环境整治", hours=2.5)
    second = await county.serve("zhang", 20, "供电安全进社区", hours=3, by_unit=True)
    await county.serve("zhang", 10, "政策宣传", status=RecordStatus.PENDING)
    await county.serve("zhang", 5, "楼道清扫", status=RecordStatus.DECLINED)
    await county.serve("li", 20, "邻里互助", hours=4)  # another member's

    certificate = await county.issued("zhang", ago(60), today())
    assert CODE.match(certificate["code"]), certificate["code"]
    assert {key: certificate[key] for key in ("periodFrom", "periodTo", "recordCount")} == {
        "periodFrom": ago(60).isoformat(),
        "periodTo": today().isoformat(),
        "recordCount": 2,
    }
    assert certificate["totalHours"] == "5.50"
    # The pending and declined records, and those outside the period, are left out.
    assert certificate["lines"] == [
        {
            "serviceOn": ago(40).isoformat(),
            "title": "社区环境整治",
            "organiser": "东门社区",
            "hours": "2.50",
        },
        {
            "serviceOn": ago(20).isoformat(),
            "title": "供电安全进社区",
            "organiser": "供电公司",
            "hours": "3.00",
        },
    ]
    assert certificate["member"]["name"] == "张三"
    [stored] = await county.sql(
        "SELECT record_ids, record_count, total_hours, issued_by_name FROM service_certificates"
    )
    assert tuple(stored) == ([first.id, second.id], 2, Decimal("5.50"), "zhang同志")

    # The event says what was issued, by ids and numbers: no names, no code.
    [(payload,)] = await county.sql(
        "SELECT payload FROM events WHERE type LIKE 'service_certificate.%'"
    )
    assert payload == {
        "certificate_id": local(certificate["id"]),
        "member_id": county.members["zhang"].id,
        "period_from": ago(60).isoformat(),
        "period_to": today().isoformat(),
        "record_ids": [first.id, second.id],
        "record_count": 2,
        "total_hours": "5.50",
    }
    [actor] = await county.sql(
        "SELECT actor_name FROM audit_log WHERE action = 'service_certificate.issued'"
    )
    assert actor[0] == "zhang同志"

    # Anyone checks the code: no sign-in, no county named; typed any way.
    code = certificate["code"]
    verified = {
        "valid": True,
        "message": f"核验通过：该证明由{ISSUER}于{zh_day(today())}出具，所列服务记录至今未有变动",
        "certificate": {
            "code": code,
            "holderName": "张*",
            "county": "正定县",
            "issuer": ISSUER,
            "periodFrom": ago(60).isoformat(),
            "periodTo": today().isoformat(),
            "recordCount": 2,
            "totalHours": "5.50",
            "issuedOn": today().isoformat(),
            "recordsUnchanged": True,
        },
    }
    assert await county.verify(code) == verified
    assert await county.verify(f"  {code.replace('-', '').lower()} ") == verified
    assert await county.verify(code.replace("-", " ")) == verified
    # The county's own header finds it too; another county's does not.
    assert await county.verify(code, **{"X-County-Code": COUNTY}) == verified
    assert await county.verify(code, **{"X-County-Code": "130124"}) == UNKNOWN

    # The holder, the unit's admin and staff where the holder lives see it listed.
    assert await county.listed("zhang") == [code]
    assert await county.listed("power") == [code]
    assert await county.listed("east") == [code]
    assert await county.listed("street", member="zhang") == [code]
    assert await county.listed("auditor") == [code]
    assert await county.listed("li") == []
    assert await county.listed("west") == []
    assert await county.listed("east", member="li") == []
    one = {"code": code, "totalHours": "5.50", "recordCount": 2}
    assert await county.call("power", ONE, id=certificate["id"]) == one
    body = await county.ask("li", ONE, id=certificate["id"])
    [error] = body["errors"]
    assert (error["message"], error["extensions"]["code"]) == (FORBIDDEN["message"], "FORBIDDEN")


async def test_staff_issue_a_certificate_for_a_member_living_in_their_area(
    county: County,
) -> None:
    await county.serve("li", 3, "关爱空巢老人", hours=1.5)
    await county.serve("wang", 3, "邻里纠纷调解", hours=2)
    for_li = await county.issued("east", ago(30), today(), member="li")
    for_wang = await county.issued("street", ago(30), today(), member="wang")
    assert (for_li["member"]["name"], for_li["totalHours"]) == ("李四", "1.50")
    assert (for_wang["member"]["name"], for_wang["totalHours"]) == ("王五", "2.00")
    names = await county.sql("SELECT issued_by_name FROM service_certificates ORDER BY id")
    assert [row[0] for row in names] == ["east同志", "street同志"]
    # The member sees what staff issued for them; newest first for staff above both.
    assert await county.listed("li") == [for_li["code"]]
    assert await county.listed("street") == [for_wang["code"], for_li["code"]]
    assert await county.listed("west") == [for_wang["code"]]
    assert await county.listed("power") == []  # neither works at 供电公司


async def test_every_refusal_to_issue_is_exact_and_writes_nothing(county: County) -> None:
    await county.serve("zhang", 10, "社区环境整治")
    await county.serve("zhang", 200, "政策宣传", status=RecordStatus.PENDING)
    await county.serve("zhang", 190, "楼道清扫", status=RecordStatus.DECLINED)
    before = await county.snapshot()
    unit = global_id("Unit", county.power.id)
    # The earliest start of a five-year period ending today (29 February: from 1 March).
    day = today()
    five_years_back = (
        date(day.year - 5, 3, 1)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=day.year - 5) + timedelta(days=1)
    )

    cases: list[tuple[str, date, date, str | None, dict[str, Any]]] = [
        # Only the holder may issue their own: not another community, not another member,
        # not the unit (a unit admin may read its members' certificates, not issue them).
        ("west", ago(30), today(), "zhang", FORBIDDEN),
        ("li", ago(30), today(), "zhang", FORBIDDEN),
        ("power", ago(30), today(), "zhang", FORBIDDEN),
        (
            "east",
            ago(30),
            today(),
            None,
            refusal("INVALID_CERTIFICATE", "请选择要开具证明的党员", "memberId"),
        ),
        # Only pending and declined records in the period.
        (
            "zhang",
            ago(250),
            ago(150),
            None,
            refusal("INVALID_CERTIFICATE", "该时段内没有已确认的服务记录", "from"),
        ),
        (
            "zhang",
            ago(30),
            today() + timedelta(days=1),
            None,
            refusal(
                "INVALID_CERTIFICATE",
                f"「结束日期」不能晚于今天（{today().isoformat()}）",
                "to",
            ),
        ),
        (
            "zhang",
            today() + timedelta(days=2),
            today() + timedelta(days=3),
            None,
            refusal(
                "INVALID_CERTIFICATE",
                f"「结束日期」不能晚于今天（{today().isoformat()}）",
                "to",
            ),
        ),
        (
            "zhang",
            ago(5),
            ago(20),
            None,
            refusal("INVALID_CERTIFICATE", "「结束日期」不能早于「开始日期」", "to"),
        ),
        (
            "zhang",
            five_years_back - timedelta(days=1),
            today(),
            None,
            refusal(
                "INVALID_CERTIFICATE",
                f"证明时段最长 5 年：「开始日期」不能早于 {five_years_back.isoformat()}",
                "from",
            ),
        ),
    ]
    for who, start, end, member, expected in cases:
        assert await county.issue(who, start, end, member) == expected, (who, start, end)
    missing = {"from": ago(30).isoformat(), "to": today().isoformat()}
    assert await county.call(
        "east", ISSUE, **missing, memberId=global_id("Member", 999_999)
    ) == refusal("MEMBER_NOT_FOUND", "未找到该党员", "memberId")
    assert await county.call("east", ISSUE, **missing, memberId=unit) == refusal(
        "NOT_FOUND", f"编号 {unit} 不是有效的Member编号", "memberId"
    )
    assert await county.snapshot() == before

    # Five years to the day is the longest period; the holder's own id may be given.
    issued = await county.issue("zhang", five_years_back, today(), "zhang")
    assert issued["certificate"]["recordCount"] == 1
    assert (await county.issue("zhang", five_years_back, today()))["certificate"]


async def test_records_corrected_or_declined_after_issue_show_in_the_check(
    county: County,
) -> None:
    first = await county.serve("zhang", 12, "社区环境整治", hours=2)
    second = await county.serve("zhang", 8, "助老送餐", hours=3)
    certificate = await county.issued("zhang", ago(30), today())
    code = certificate["code"]
    said = f"核验通过：该证明由{ISSUER}于{zh_day(today())}出具"

    # A correction of its hours (a new version of the record).
    await county.update(
        "UPDATE service_records SET hours = 1.5, version = version + 1 WHERE id = :id",
        id=first.id,
    )
    checked = await county.verify(code)
    assert checked["valid"] is True
    assert checked["certificate"]["recordsUnchanged"] is False
    assert checked["message"] == (
        f"{said}；证明出具后，所列服务记录中有 1 条已更正，请以平台现有记录为准"
    )
    await county.update(
        "UPDATE service_records SET status = 'declined', decline_reason = '重复登记' "
        "WHERE id = :id",
        id=second.id,
    )
    checked = await county.verify(code)
    assert checked["message"] == (
        f"{said}；证明出具后，所列服务记录中有 1 条已更正、1 条未予确认，请以平台现有记录为准"
    )
    # The certificate itself still says what it said when issued.
    assert (checked["certificate"]["totalHours"], checked["certificate"]["recordCount"]) == (
        "5.00",
        2,
    )
    assert await county.call("zhang", ONE, id=certificate["id"]) == {
        "code": code,
        "totalHours": "5.00",
        "recordCount": 2,
    }
    # Put back as issued, it reads unchanged again.
    await county.update(
        "UPDATE service_records SET hours = 2, status = 'confirmed' WHERE id IN (:a, :b)",
        a=first.id,
        b=second.id,
    )
    await county.update("UPDATE service_records SET hours = 3 WHERE id = :id", id=second.id)
    assert (await county.verify(code))["certificate"]["recordsUnchanged"] is True


async def test_unknown_and_malformed_codes_find_nothing(
    county: County, make_tenant: MakeTenant
) -> None:
    await make_tenant(county_code="130124", name="新乐市")
    await county.serve("zhang", 3, "社区环境整治")
    certificate = await county.issued("zhang", ago(30), today())
    # A code with the digits people mistype as letters: O for 0, I and L for 1.
    known = "130123-0000-1111-ABCD-EFGH"
    await county.update(
        "UPDATE service_certificates SET code = :c WHERE id = :id",
        c=known,
        id=local(certificate["id"]),
    )
    assert (await county.verify("130123-OoOo-IiLl-abcd-efgh"))["certificate"]["code"] == known
    for typed in (
        "",
        "   ",
        "abc",
        "130123",
        "130123-0000-1111-ABCD",  # too short
        "130123-0000-1111-ABCD-EFGHJ",  # too long
        "130123-0000-1111-ABCD-EFGU",  # U is not in the alphabet
        "000000-0000-1111-ABCD-EFGH",  # the platform's realm is no county
        "13O123-0000-1111-ABCD-EFGH",  # the county's code is digits only
        "130123-0000-1111-AB!D-EFGH",
    ):
        assert await county.verify(typed) == MALFORMED, typed
    for unknown in (
        "130123-0000-1111-ABCD-EFGK",  # no such certificate
        "130124-0000-1111-ABCD-EFGH",  # another county, which has none
        "999999-0000-1111-ABCD-EFGH",  # no such county
    ):
        assert await county.verify(unknown) == UNKNOWN, unknown
    # Signed in or not, in the county or not: the same answers, and nothing written.
    assert await county.call("li", VERIFY, code=known) == await county.verify(known)
    assert await county.call("li", VERIFY, code="130124-0000-1111-ABCD-EFGH") == UNKNOWN


async def test_the_pdf_prints_the_holder_the_services_the_totals_and_the_code(
    county: County,
) -> None:
    await county.serve("zhang", 40, "社区环境整治", hours=2.5)
    await county.serve("zhang", 20, "供电安全进社区宣传和老旧小区线路隐患排查", by_unit=True)
    certificate = await county.issued("zhang", ago(60), ago(1))
    found = await county.call("zhang", PDF, id=certificate["id"])
    document = found["pdf"]
    assert document["filename"] == f"志愿服务证明-{certificate['code']}.pdf"
    assert document["contentType"] == "application/pdf"
    content = base64.b64decode(document["contentBase64"])
    pdf = pdfium.PdfDocument(content)
    assert len(pdf) == 1
    printed = re.sub(r"[\r\n ]", "", "".join(page.get_textpage().get_text_range() for page in pdf))
    for expected in (
        "志愿服务证明",
        "正定县",
        "张三",
        "男",
        "供电公司",
        f"{zh_day(ago(60))}至{zh_day(ago(1))}",
        "兹证明张三同志",
        "参加志愿服务2次，累计服务时长4.5小时",
        ago(40).isoformat(),
        "社区环境整治",
        "东门社区",
        "2.5",
        ago(20).isoformat(),
        "供电安全进社区宣传和老旧小区线路隐患排查",
        "合计2次4.5",
        "特此证明。",
        ISSUER,
        zh_day(today()),
        "（盖章）",
        f"核验码{certificate['code']}",
        "通过平台「证明核验」输入核验码查询",
    ):
        assert expected.replace(" ", "") in printed, expected
    # Chinese is drawn, not blank boxes: the title band has dark strokes.
    image = pdf[0].render(scale=1).to_pil().convert("L")
    title_band = image.crop((0, 60, image.size[0], 110))
    assert sum(title_band.histogram()[:100]) > 500


async def test_the_list_of_certificates_takes_a_fixed_number_of_statements(
    county: County,
) -> None:
    query = """{ serviceCertificates(first: 100) { edges { node { code totalHours
      lines { title } member { name unit { name } } } } } }"""

    async def statements() -> int:
        return await statements_during(county.db, county.ask("street", query))

    await county.serve("zhang", 3, "社区环境整治")
    await county.serve("li", 3, "助老送餐")
    await county.issued("zhang", ago(30), today())
    await statements()  # the caller's grants are cached from the first request on
    one = await statements()
    await county.issued("east", ago(30), today(), member="li")
    await county.issued("zhang", ago(10), today())
    await county.serve("wang", 3, "邻里纠纷调解")
    await county.issued("west", ago(30), today(), member="wang")
    assert await statements() == one
    assert len(await county.listed("street")) == 4


async def test_a_long_certificate_runs_on_with_its_code_on_every_page(county: County) -> None:
    for days_ago in range(1, 41):
        await county.serve("zhang", days_ago, f"第{days_ago}次社区志愿服务", hours=1)
    certificate = await county.issued("zhang", ago(60), today())
    found = await county.call("east", PDF, id=certificate["id"])
    pdf = pdfium.PdfDocument(base64.b64decode(found["pdf"]["contentBase64"]))
    pages = [page.get_textpage().get_text_range() for page in pdf]
    assert len(pages) > 1
    for number, printed in enumerate(pages, 1):
        flat = re.sub(r"[\r\n ]", "", printed)
        assert f"核验码{certificate['code']}" in flat
        assert f"第{number}页共{len(pages)}页" in flat
        if "社区志愿服务" in flat:
            # The table's heading row is printed again at the top of each page it runs on.
            assert "服务日期服务内容组织单位时长（小时）" in flat
    last = re.sub(r"[\r\n ]", "", "".join(pages[1:]))
    assert "合计40次40" in last
    assert f"特此证明。{ISSUER}{zh_day(today())}（盖章）" in last


async def test_a_code_of_a_suspended_county_cannot_be_checked_meanwhile(county: County) -> None:
    await county.serve("zhang", 3, "社区环境整治")
    code = (await county.issued("zhang", ago(30), today()))["code"]
    async with county.db.unit_of_work() as uow:
        session = await uow.session()
        await session.execute(
            text("UPDATE tenants SET status = 'suspended' WHERE county_code = :c"), {"c": COUNTY}
        )
    assert await county.verify(code) == {
        "valid": False,
        "message": "正定县已暂停使用本平台，请联系平台管理员",
        "certificate": None,
    }


def test_table_columns_narrower_than_a_tenth_or_miscounted_are_refused() -> None:
    rows = (("日期", "内容"), ("2026-01-01", "服务"))
    for widths, aligns, message in (
        ((1.0, 12.0), ("L", "L"), "at least 1/10"),
        ((1.0,), ("L", "L"), "as many widths"),
        ((1.0, 1.0), ("L", "X"), "align L, C or R"),
    ):
        document = Document(
            title="表", sections=(Section(table=rows, widths=widths, aligns=aligns),)
        )
        with pytest.raises(ValueError, match=re.escape(message)):
            render(document)
