"""The printable papers of dual registration: the slip (报到单), the receipt (回执) and the
co-building agreement (共驻共建协议), each an A4 PDF with room for seals and signatures."""

import asyncio
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from services.documents.pdf import Document, Field, SealArea, Section, render
from services.registration import repository
from services.registration.models import (
    CHANNEL_NAMES,
    REGISTRATION_STATUS_NAMES,
    Agreement,
    MemberRegistration,
)
from services.registry.members import get_member
from services.registry.models import GENDER_NAMES, PARTY_ORG_TYPE_NAMES, Unit
from services.registry.units import get_unit
from tenants.hierarchy.service import get_node, root

NOT_GIVEN = "—"


async def _render(document: Document) -> bytes:
    # Laying out and subsetting the fonts takes a CPU-second: off the event loop.
    return await asyncio.to_thread(render, document)


def _day(value: date | datetime | None) -> str:
    if value is None:
        return NOT_GIVEN
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _party_org(unit: Unit) -> str:
    """How the unit's Party organisation is addressed: 中共××党支部 style."""
    return f"{unit.name}{PARTY_ORG_TYPE_NAMES[unit.party_org_type]}"


async def _county(session: AsyncSession) -> str:
    return (await root(session)).name


async def slip_pdf(session: AsyncSession, registration: MemberRegistration) -> bytes:
    member = await get_member(session, registration.member_id)
    unit = await get_unit(session, registration.unit_id)
    community = await get_node(session, registration.community_id)
    residence = await get_node(session, registration.node_id)
    document = Document(
        title="在职党员到社区报到单",
        number=registration.slip_number,
        subtitle=await _county(session),
        sections=(
            Section(
                heading="党员信息",
                fields=(
                    Field("姓名", member.name),
                    Field("性别", GENDER_NAMES[member.gender]),
                    Field("入党时间", _day(member.joined_party_on)),
                    Field("工作单位", unit.name),
                    Field("所在党组织", _party_org(unit)),
                    Field("技能特长", "、".join(member.skills) or NOT_GIVEN),
                ),
            ),
            Section(
                heading="报到信息",
                fields=(
                    Field("报到社区", community.name),
                    Field(
                        "居住小区",
                        residence.name if residence.id != community.id else NOT_GIVEN,
                    ),
                    Field("报到方式", CHANNEL_NAMES[registration.channel]),
                    Field("提交日期", _day(registration.submitted_at)),
                    Field("当前状态", REGISTRATION_STATUS_NAMES[registration.status]),
                ),
                paragraphs=(
                    "本人自愿到居住地社区报到，亮明党员身份，积极参加社区组织的志愿服务和"
                    "各项活动，认领服务岗位和项目，接受社区党组织和所在单位党组织的双重管理。",
                ),
            ),
        ),
        seal_areas=(
            SealArea("党员本人", signer="签字"),
            SealArea("工作单位党组织（盖章）"),
        ),
        footer="本报到单一式两份，社区党组织、工作单位党组织各执一份。",
    )
    return await _render(document)


async def receipt_pdf(session: AsyncSession, registration: MemberRegistration) -> bytes:
    member = await get_member(session, registration.member_id)
    unit = await get_unit(session, registration.unit_id)
    community = await get_node(session, registration.community_id)
    document = Document(
        title="在职党员到社区报到回执",
        number=registration.receipt_number,
        subtitle=await _county(session),
        sections=(
            Section(
                paragraphs=(
                    f"{_party_org(unit)}：",
                    f"贵单位在职党员 {member.name} 同志（报到单编号 {registration.slip_number}）"
                    f"已于 {_day(registration.decided_at)} 到{community.name}报到，"
                    "经社区党组织确认，特此回执。",
                    "请将本回执归入该党员的组织关系档案，作为年终民主评议、评先评优的参考。",
                ),
            ),
            Section(
                heading="报到情况",
                fields=(
                    Field("党员姓名", member.name),
                    Field("报到社区", community.name),
                    Field("确认日期", _day(registration.decided_at)),
                    Field("报到单编号", registration.slip_number),
                ),
            ),
        ),
        seal_areas=(SealArea("社区党组织（盖章）"),),
        footer="本回执由社区党组织出具，送达党员所在单位党组织。",
    )
    return await _render(document)


def _numbered(items: list[str]) -> tuple[str, ...]:
    return tuple(f"{i}. {text}" for i, text in enumerate(items, 1))


async def agreement_pdf(session: AsyncSession, agreement: Agreement) -> bytes:
    unit = await get_unit(session, agreement.unit_id)
    registration = await repository.unit_registration(session, agreement.registration_id)
    assert registration is not None
    community = await get_node(session, registration.node_id)
    contacts = tuple(
        (
            "单位" if c["side"] == "unit" else "社区",
            str(c["name"]),
            str(c.get("title") or NOT_GIVEN),
            str(c.get("phone") or NOT_GIVEN),
        )
        for c in agreement.contacts
    )
    document = Document(
        title="共驻共建协议",
        number=agreement.number,
        subtitle=await _county(session),
        sections=(
            Section(
                fields=(
                    Field("甲方", f"{community.name}党组织"),
                    Field("乙方", _party_org(unit)),
                    Field("协议期限", f"{_day(agreement.starts_on)} 至 {_day(agreement.ends_on)}"),
                    Field("版本", f"第 {agreement.version} 版"),
                ),
                paragraphs=(
                    "为推动机关企事业单位党组织和在职党员到社区报到、为群众服务，"
                    "甲乙双方本着资源共享、优势互补、共驻共建的原则，经协商一致，订立本协议。",
                ),
            ),
            Section(heading="一、共建责任", paragraphs=_numbered(agreement.responsibilities)),
            Section(
                heading="二、乙方提供的资源",
                paragraphs=_numbered(agreement.resources) or ("（无）",),
            ),
            Section(
                heading="三、乙方认领的项目",
                paragraphs=_numbered(agreement.projects) or ("（无）",),
            ),
            Section(
                heading="四、联系人",
                table=(("一方", "姓名", "职务", "联系电话"), *contacts),
            ),
            Section(
                heading="五、其他",
                paragraphs=(
                    "协议期满前一个月，双方商议续签事宜。协议的修订以书面形式进行，"
                    "修订记录与本协议具有同等效力。本协议一式两份，甲乙双方各执一份。",
                ),
            ),
        ),
        seal_areas=(
            SealArea("甲方：社区党组织（盖章）"),
            SealArea("乙方：单位党组织（盖章）"),
        ),
        footer=f"协议编号 {agreement.number}",
    )
    return await _render(document)
