"""Certificates of volunteer service (志愿服务证明): a member's confirmed records of a period,
frozen when issued, and a verification code anyone may check.

谁记录谁证明: a certificate only lists records their organisers confirmed. What it says is
kept as it was issued (the records, their lines and total), so it reads the same later;
checking its code also says whether any listed record has since been corrected or
declined, so a certificate cannot outlive the records it was made from unnoticed.

The code is the county's code and 80 random bits in Crockford's base32, in groups of
four (130123-7KQ4-M2XD-9HTC-WP3E): it tells which county to look in, cannot be guessed,
and has no I, L, O or U to misread (typed anyway, I and L read as 1 and O as 0).
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA, today
from infra.db import bound_tenant
from infra.pagination import Page, PageOf, fetch_page
from infra.personal_data import mask_name
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.records.errors import CertificateNotFound, InvalidCertificate
from services.records.models import RecordStatus, ServiceCertificate, ServiceRecord
from services.registry import repository as registry
from services.registry.errors import MemberNotFound
from services.registry.members import owns_member
from services.registry.models import Member
from services.registry.repository import own_members
from tenants.hierarchy import repository as hierarchy
from tenants.models import Tenant

RESOURCE = "service_certificate"
# Crockford's base32: digits and letters without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LENGTH = 4, 4
# What people mistype for a digit, read as Crockford's decoding does.
LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
CODE = re.compile(rf"^([1-9][0-9]{{5}})([{ALPHABET}]{{{GROUPS * GROUP_LENGTH}}})$")
SEPARATORS = re.compile(r"[\s\-‐‑–—－]+")
MAX_YEARS = 5
# Drawing an 80-bit code already taken is beyond any real chance; the loop only keeps the
# unique index from ever being what answers.
DRAWS = 5

LABELS = {"from": "开始日期", "to": "结束日期"}
MALFORMED = "核验码格式不正确"
UNKNOWN = "未找到该核验码对应的证明"


@dataclass(frozen=True)
class Verification:
    """A known code: the certificate as issued, and what has become of its records."""

    certificate: ServiceCertificate
    county_name: str
    holder_name: str  # masked: 张*
    # Listed records since corrected (hours changed, or no longer confirmed) or declined.
    corrected: int
    declined: int

    @property
    def records_unchanged(self) -> bool:
        return self.corrected == 0 and self.declined == 0


def issuer(county_name: str) -> str:
    """Who issues the certificates of a county: the county's platform."""
    return f"{county_name}「双报到、双服务」工作平台"


def verdict(verification: Verification) -> str:
    """What a person checking a code reads."""
    issued = verification.certificate.issued_at.astimezone(CHINA).date()
    said = (
        f"核验通过：该证明由{issuer(verification.county_name)}于"
        f"{issued.year}年{issued.month}月{issued.day}日出具"
    )
    if verification.records_unchanged:
        return f"{said}，所列服务记录至今未有变动"
    changes = []
    if verification.corrected:
        changes.append(f"{verification.corrected} 条已更正")
    if verification.declined:
        changes.append(f"{verification.declined} 条未予确认")
    return f"{said}；证明出具后，所列服务记录中有 {'、'.join(changes)}，请以平台现有记录为准"


def new_code(county_code: str) -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join((county_code, *groups))


def canonical_code(typed: str) -> str | None:
    """The code as issued, from what someone typed (any case, with or without dashes or
    spaces, O for 0 and I or L for 1); None when it cannot be a code."""
    compact = SEPARATORS.sub("", typed.strip().upper())
    county, rest = compact[:6], compact[6:].translate(LOOKALIKES)
    match = CODE.match(county + rest)
    if match is None:
        return None
    letters = match.group(2)
    groups = (letters[i : i + GROUP_LENGTH] for i in range(0, len(letters), GROUP_LENGTH))
    return "-".join((match.group(1), *groups))


def hours_text(hours: Decimal) -> str:
    """2.50 → 2.5, 8.00 → 8"""
    return f"{hours.normalize():f}"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_period(period_from: date, period_to: date) -> None:
    if period_to < period_from:
        raise InvalidCertificate(f"「{LABELS['to']}」不能早于「{LABELS['from']}」", field="to")
    if period_to > today():
        raise InvalidCertificate(
            f"「{LABELS['to']}」不能晚于今天（{today().isoformat()}）", field="to"
        )
    earliest = _years_before(period_to, MAX_YEARS) + timedelta(days=1)
    if period_from < earliest:
        raise InvalidCertificate(
            f"证明时段最长 {MAX_YEARS} 年：「{LABELS['from']}」不能早于 {earliest.isoformat()}",
            field="from",
        )


# Queries.


async def county(session: AsyncSession) -> Tenant:
    """The county the session works in."""
    found = await session.get(Tenant, bound_tenant(session))
    assert found is not None
    return found


async def _confirmed_records(
    session: AsyncSession, member_id: int, period_from: date, period_to: date
) -> list[ServiceRecord]:
    query = (
        select(ServiceRecord)
        .where(
            ServiceRecord.member_id == member_id,
            ServiceRecord.status == RecordStatus.CONFIRMED,
            ServiceRecord.service_on >= period_from,
            ServiceRecord.service_on <= period_to,
        )
        .order_by(ServiceRecord.started_at, ServiceRecord.id)
        # Held until the certificate is saved: a correction or a refusal of one of them
        # waits, so what is frozen is what stood when it was issued.
        .with_for_update(read=True)
    )
    return list(await session.scalars(query))


async def _organisers(session: AsyncSession, records: list[ServiceRecord]) -> dict[int, str]:
    """Each record's organiser as printed: the unit when a unit organised it, else the
    node (community, street …) whose staff confirmed it."""
    unit_ids = {r.organiser_unit_id for r in records if r.organiser_unit_id is not None}
    units = await registry.units_by_id(session, unit_ids) if unit_ids else {}
    node_ids = sorted({r.node_id for r in records if r.organiser_unit_id is None})
    nodes = await hierarchy.get_many(session, node_ids) if node_ids else {}
    return {
        r.id: units[r.organiser_unit_id].name
        if r.organiser_unit_id is not None
        else nodes[r.node_id].name
        for r in records
    }


async def _code_taken(session: AsyncSession, code: str) -> bool:
    return bool(await session.scalar(select(exists().where(ServiceCertificate.code == code))))


async def by_code(session: AsyncSession, code: str) -> ServiceCertificate | None:
    found: ServiceCertificate | None = await session.scalar(
        select(ServiceCertificate).where(ServiceCertificate.code == code)
    )
    return found


# The steps.


async def _member(session: AsyncSession, principal: Principal, member_id: int | None) -> Member:
    if member_id is None:
        if principal.member_id is None:
            raise InvalidCertificate("请选择要开具证明的党员", field="memberId")
        member_id = principal.member_id
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field="memberId")
    return member


async def issue_certificate(
    session: AsyncSession,
    principal: Principal,
    *,
    member_id: int | None,
    period_from: date,
    period_to: date,
) -> ServiceCertificate:
    """A certificate of the member's confirmed records served in the period: the member
    for themself (`member_id` None or their own), or staff where the member lives."""
    member = await _member(session, principal, member_id)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="issue",
        node=(member.node_id, member.scope_path),
        object_id=str(member.id),
        owned=principal.member_id == member.id,
    )
    check_period(period_from, period_to)
    records = await _confirmed_records(session, member.id, period_from, period_to)
    if not records:
        raise InvalidCertificate("该时段内没有已确认的服务记录", field="from")
    organisers = await _organisers(session, records)
    lines: list[dict[str, Any]] = [
        {
            "record_id": r.id,
            "service_on": r.service_on.isoformat(),
            "title": r.title,
            "organiser": organisers[r.id],
            "hours": str(r.hours),
        }
        for r in records
    ]
    county_code = (await county(session)).county_code
    code = new_code(county_code)
    for _ in range(DRAWS - 1):
        if not await _code_taken(session, code):
            break
        code = new_code(county_code)
    certificate = ServiceCertificate(
        tenant_id=bound_tenant(session),
        code=code,
        member_id=member.id,
        period_from=period_from,
        period_to=period_to,
        record_ids=[r.id for r in records],
        record_count=len(records),
        total_hours=sum((r.hours for r in records), Decimal(0)),
        lines=lines,
        issued_by=principal.account_id,
        issued_by_name=principal.name,
    )
    session.add(certificate)
    await session.flush()
    await record_step(
        session,
        principal,
        type=f"{RESOURCE}.issued",
        node=(member.node_id, member.scope_path),
        object_type=RESOURCE,
        object_id=certificate.id,
        payload={
            "certificate_id": certificate.id,
            "member_id": member.id,
            "period_from": period_from.isoformat(),
            "period_to": period_to.isoformat(),
            "record_ids": certificate.record_ids,
            "record_count": certificate.record_count,
            "total_hours": str(certificate.total_hours),
        },
    )
    return certificate


async def read_certificate(
    session: AsyncSession, principal: Principal, certificate_id: int
) -> ServiceCertificate:
    """The holder, the holder's unit's admin, or staff where the holder lives."""
    query = select(ServiceCertificate, Member).join(
        Member, Member.id == ServiceCertificate.member_id
    )
    row = (await session.execute(query.where(ServiceCertificate.id == certificate_id))).first()
    if row is None:
        raise CertificateNotFound("未找到该志愿服务证明", field="id")
    certificate, member = row
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=(member.node_id, member.scope_path),
        object_id=str(certificate.id),
        owned=owns_member(principal, member),
    )
    return certificate


async def list_certificates(
    session: AsyncSession, principal: Principal, page: Page, *, member_id: int | None = None
) -> PageOf[ServiceCertificate]:
    """Certificates the principal may read, the newest first: its own, its unit's
    members', and those of members living where it may read them."""
    scope = access.scope_or_own(
        principal,
        RESOURCE,
        "read",
        Member.scope_path,
        own_members(principal.unit_id, principal.member_id),
    )
    query = (
        select(ServiceCertificate)
        .join(Member, Member.id == ServiceCertificate.member_id)
        .where(scope)
    )
    if member_id is not None:
        query = query.where(ServiceCertificate.member_id == member_id)
    return await fetch_page(session, query, [ServiceCertificate.id], page, descending=True)


async def verify(session: AsyncSession, code: str) -> Verification | None:
    """What anyone may learn from a code (in its canonical form) of the session's county:
    the certificate as issued, its holder's name masked, and how many of its records have
    since been corrected or declined. None: no such certificate."""
    certificate = await by_code(session, code)
    if certificate is None:
        return None
    holder = await registry.get_member(session, certificate.member_id)
    assert holder is not None  # a certificate's member is never deleted (foreign key)
    issued = {int(line["record_id"]): Decimal(line["hours"]) for line in certificate.lines}
    query = select(ServiceRecord.id, ServiceRecord.status, ServiceRecord.hours).where(
        ServiceRecord.id.in_(certificate.record_ids)
    )
    now_standing = {row.id: row for row in await session.execute(query)}
    declined = corrected = 0
    for record_id, hours in issued.items():
        standing = now_standing.get(record_id)
        if standing is None or standing.status is RecordStatus.DECLINED:
            declined += 1
        elif standing.status is not RecordStatus.CONFIRMED or standing.hours != hours:
            corrected += 1
    return Verification(
        certificate=certificate,
        county_name=(await county(session)).name,
        holder_name=mask_name(holder.name),
        corrected=corrected,
        declined=declined,
    )
