"""志愿服务证明 as clients see it: the certificate as issued (to those who may read it), and
what anyone checking its code learns."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.registration import Document
from api.types.registry import MemberType, load_member
from infra.clock import CHINA
from services.records import certificate_document
from services.records.certificates import Verification, issuer
from services.records.models import ServiceCertificate
from tenants.rules.hours import CENT


@strawberry.type(name="CertificateLine", description="证明所列的一次服务（出具时的内容）")
class CertificateLineType:
    service_on: date = strawberry.field(description="服务日期")
    title: str = strawberry.field(description="服务内容")
    organiser: str = strawberry.field(description="组织方：组织服务的单位，或社区、街道等")
    hours: Decimal = strawberry.field(description="服务时长（小时）")

    @classmethod
    def of(cls, line: dict[str, Any]) -> "CertificateLineType":
        return cls(
            service_on=date.fromisoformat(line["service_on"]),
            title=line["title"],
            organiser=line["organiser"],
            hours=Decimal(line["hours"]).quantize(CENT),
        )


@strawberry.type(
    name="ServiceCertificate",
    description="志愿服务证明：党员在一个时段内已确认的服务记录，出具时固定下来，凭核验码可查验",
)
class ServiceCertificateType(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="核验码，如 130123-7KQ4-M2XD-9HTC-WP3E")
    period_from: date = strawberry.field(description="证明时段的开始日期")
    period_to: date = strawberry.field(description="证明时段的结束日期")
    record_count: int = strawberry.field(description="服务次数")
    total_hours: Decimal = strawberry.field(description="服务时长合计（小时）")
    lines: list[CertificateLineType] = strawberry.field(description="所列各次服务，按时间先后")
    issued_at: datetime = strawberry.field(description="出具时间")
    issued_by_name: str = strawberry.field(description="经办人（开具证明的账号）")
    model: strawberry.Private[ServiceCertificate]

    @classmethod
    def from_model(cls, certificate: ServiceCertificate) -> "ServiceCertificateType":
        return cls(
            id=certificate.id,
            code=certificate.code,
            period_from=certificate.period_from,
            period_to=certificate.period_to,
            record_count=certificate.record_count,
            total_hours=certificate.total_hours,
            lines=[CertificateLineType.of(line) for line in certificate.lines],
            issued_at=certificate.issued_at,
            issued_by_name=certificate.issued_by_name,
            model=certificate,
        )

    @strawberry.field(description="持证党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.model.member_id)

    @strawberry.field(description="证明文本（PDF，A4，含出具单位盖章处和核验码）")
    async def pdf(self, info: Info[Context, None]) -> Document:
        session = await info.context.uow.session()
        content = await certificate_document.certificate_pdf(session, self.model)
        return Document.pdf(f"志愿服务证明-{self.model.code}.pdf", content)


@strawberry.type(description="核验码查到的证明：出具时的内容，持证人姓名部分隐去，不含其他个人信息")
class VerifiedCertificate:
    code: str = strawberry.field(description="核验码")
    holder_name: str = strawberry.field(description="持证人（姓名部分隐去，如 张*）")
    county: str = strawberry.field(description="出具证明的县（区）")
    issuer: str = strawberry.field(description="出具单位")
    period_from: date = strawberry.field(description="证明时段的开始日期")
    period_to: date = strawberry.field(description="证明时段的结束日期")
    record_count: int = strawberry.field(description="服务次数")
    total_hours: Decimal = strawberry.field(description="服务时长合计（小时）")
    issued_on: date = strawberry.field(description="出具日期")
    records_unchanged: bool = strawberry.field(
        description="所列服务记录是否至今仍为已确认且时长未变（否则 message 说明有几条已更正"
        "或未予确认）"
    )

    @classmethod
    def of(cls, verification: Verification) -> "VerifiedCertificate":
        certificate = verification.certificate
        return cls(
            code=certificate.code,
            holder_name=verification.holder_name,
            county=verification.county_name,
            issuer=issuer(verification.county_name),
            period_from=certificate.period_from,
            period_to=certificate.period_to,
            record_count=certificate.record_count,
            total_hours=certificate.total_hours,
            issued_on=certificate.issued_at.astimezone(CHINA).date(),
            records_unchanged=verification.records_unchanged,
        )


@strawberry.type(description="核验结果")
class CertificateVerification:
    valid: bool = strawberry.field(description="是否查到这份证明")
    message: str = strawberry.field(description="核验结果的说明（简体中文）")
    certificate: VerifiedCertificate | None = strawberry.field(
        description="查到的证明；未查到时为空"
    )
