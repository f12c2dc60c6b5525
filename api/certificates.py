"""Certificates of volunteer service (志愿服务证明): issuing, reading, and checking a code."""

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.results import MutationError, run_step
from api.types.certificates import (
    CertificateVerification,
    ServiceCertificateType,
    VerifiedCertificate,
)
from policies.principal import Principal
from services.records import certificates
from tenants.errors import TenantArchived, TenantNotFound, TenantSuspended

CERTIFICATE = "ServiceCertificate"
MEMBER = "Member"


@strawberry.type(description="志愿服务证明已出具")
class ServiceCertificateSuccess:
    certificate: ServiceCertificateType


ServiceCertificateResult = Annotated[
    ServiceCertificateSuccess | MutationError, strawberry.union("ServiceCertificateResult")
]


def _member_id(member_id: relay.GlobalID | None) -> int | None:
    return None if member_id is None else int_id(member_id, MEMBER, "memberId")


def _refused(message: str) -> CertificateVerification:
    return CertificateVerification(valid=False, message=message, certificate=None)


@strawberry.type
class CertificateQuery:
    @strawberry.field(
        description="一份志愿服务证明（持证党员本人、其单位党组织、其居住地的工作人员）"
    )
    async def service_certificate(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ServiceCertificateType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await certificates.read_certificate(session, principal, int_id(id, CERTIFICATE))
        return ServiceCertificateType.from_model(found)

    @strawberry.field(
        description="志愿服务证明，新的在前：党员看自己的，单位党组织看本单位党员的，"
        "工作人员看其范围内居住的党员的"
    )
    async def service_certificates(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        member_id: relay.GlobalID | None = None,
    ) -> relay.Connection[ServiceCertificateType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await certificates.list_certificates(
            session, principal, page(first, after), member_id=_member_id(member_id)
        )
        return connection(result, ServiceCertificateType.from_model, lambda c: (c.id,))

    @strawberry.field(
        description="证明核验：任何人凭核验码查验志愿服务证明，无需登录，也无需指明县（区）"
        "（核验码以县（区）代码开头）；可带或不带连字符，不分大小写"
    )
    async def verify_service_certificate(
        self, info: Info[Context, None], code: str
    ) -> CertificateVerification:
        # Anyone may ask: never ask who is calling here.
        canonical = certificates.canonical_code(code)
        if canonical is None:
            return _refused(certificates.MALFORMED)
        try:
            tenant = await info.context.tenant_named(canonical[:6])
        except TenantNotFound:
            tenant = None
        except (TenantSuspended, TenantArchived) as error:
            return _refused(error.message)
        if tenant is None:
            return _refused(certificates.UNKNOWN)
        found = await certificates.verify(await info.context.uow.session(), canonical)
        if found is None:
            return _refused(certificates.UNKNOWN)
        return CertificateVerification(
            valid=True,
            message=certificates.verdict(found),
            certificate=VerifiedCertificate.of(found),
        )


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(
        description="开具志愿服务证明：列出党员在该时段内已确认的服务记录（党员为本人开具，"
        "memberId 可不填；工作人员为其范围内居住的党员开具）；时段不晚于今天，最长 5 年"
    )
    async def issue_service_certificate(
        self,
        info: Info[Context, None],
        from_: Annotated[date, strawberry.argument(name="from", description="开始日期")],
        to: Annotated[date, strawberry.argument(description="结束日期（不晚于今天）")],
        member_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="党员；不填为本人"),
        ] = None,
    ) -> ServiceCertificateResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceCertificateSuccess:
            issued = await certificates.issue_certificate(
                session,
                principal,
                member_id=_member_id(member_id),
                period_from=from_,
                period_to=to,
            )
            return ServiceCertificateSuccess(certificate=ServiceCertificateType.from_model(issued))

        return await run_step(info, step)
