"""The certificate of volunteer service (志愿服务证明) as printed: A4, the holder, the
period, each confirmed service as issued, the totals, the issuer's words and seal, and the
verification code on every page."""

import asyncio
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import CHINA
from services.documents.pdf import Document, Field, Section, render
from services.records.certificates import county, hours_text, issuer
from services.records.models import ServiceCertificate
from services.registry import repository as registry
from services.registry.models import GENDER_NAMES, Member

TITLE = "志愿服务证明"
HOW_TO_CHECK = "通过平台「证明核验」输入核验码查询"
COLUMNS = ("服务日期", "服务内容", "组织单位", "时长（小时）")
# Relative widths: a date, a title that may be long, an organiser's name, a number.
WIDTHS = (2.2, 4.2, 3.0, 1.9)
ALIGNS = ("C", "L", "L", "R")


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def build(
    certificate: ServiceCertificate, holder: Member, unit_name: str, county_name: str
) -> Document:
    """What a certificate prints, from the certificate as issued and its holder."""
    period = f"{_day(certificate.period_from)}至{_day(certificate.period_to)}"
    total = hours_text(certificate.total_hours)
    lines = tuple(
        (
            line["service_on"],
            line["title"],
            line["organiser"],
            hours_text(Decimal(line["hours"])),
        )
        for line in certificate.lines
    )
    by = issuer(county_name)
    return Document(
        title=TITLE,
        subtitle=county_name,
        sections=(
            Section(
                fields=(
                    Field("姓名", holder.name),
                    Field("性别", GENDER_NAMES[holder.gender]),
                    Field("工作单位", unit_name),
                    Field("证明时段", period),
                ),
                paragraphs=(
                    f"兹证明 {holder.name} 同志（工作单位：{unit_name}）于{period}期间，"
                    f"在{county_name}在职党员到社区报到、为群众服务（「双报到、双服务」）工作中"
                    f"参加志愿服务 {certificate.record_count} 次，累计服务时长 {total} 小时。"
                    "以下各次服务均已由组织方记录并确认，明细如下：",
                ),
            ),
            Section(
                heading="服务明细",
                table=(COLUMNS, *lines, ("合计", f"{certificate.record_count} 次", "", total)),
                widths=WIDTHS,
                aligns=ALIGNS,
            ),
            Section(
                paragraphs=("特此证明。",),
                closing=(by, _day(certificate.issued_at.astimezone(CHINA).date())),
                closing_seal="（盖章）",
            ),
            Section(
                heading="证明核验",
                paragraphs=(
                    f"核验码：{certificate.code}。本证明真伪可{HOW_TO_CHECK}，核验结果显示"
                    "持证人（姓名部分隐去）、证明时段、服务次数与时长，并说明所列记录在出具后"
                    "是否有更正。",
                ),
            ),
        ),
        footer=f"核验码 {certificate.code}　{HOW_TO_CHECK}",
    )


async def certificate_pdf(session: AsyncSession, certificate: ServiceCertificate) -> bytes:
    holder = await registry.get_member(session, certificate.member_id)
    assert holder is not None  # a certificate's member is never deleted (foreign key)
    unit = await registry.get_unit(session, holder.unit_id)
    assert unit is not None
    document = build(certificate, holder, unit.name, (await county(session)).name)
    # Laying out and subsetting the fonts takes a CPU-second: off the event loop.
    return await asyncio.to_thread(render, document)
