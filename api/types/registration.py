"""双报到 as clients see it: unit and member registrations, agreements, the two sides' views."""

import base64
from datetime import date, datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_member, load_unit
from services.registration import agreements, documents
from services.registration.models import (
    AGREEMENT_CHANGE_NAMES,
    CHANNEL_NAMES,
    REGISTRATION_STATUS_NAMES,
    Agreement,
    AgreementChange,
    AgreementStatus,
    AgreementVersion,
    MemberRegistration,
    RegistrationChannel,
    RegistrationStatus,
    UnitRegistration,
)
from services.registration.repository import PlaceCount
from services.registration.views import RosterStatus
from services.registry.models import Member

RegistrationStatusType = strawberry.enum(
    RegistrationStatus,
    name="RegistrationStatus",
    description="报到状态：待社区确认、已报到、已退回、已结束",
)
RegistrationChannelType = strawberry.enum(
    RegistrationChannel,
    name="RegistrationChannel",
    description="报到方式：单位统一组织、个人自行报到、社区代为登记",
)
AgreementStatusType = strawberry.enum(
    AgreementStatus, name="AgreementStatus", description="协议状态：生效、已终止"
)
AgreementChangeType = strawberry.enum(
    AgreementChange, name="AgreementChange", description="协议变更：签订、修订、续签、终止"
)
RosterStatusType = strawberry.enum(
    RosterStatus,
    name="RosterStatus",
    description="单位党员的报到情况：已报到、待社区确认、未报到",
)
PDF = "application/pdf"


@strawberry.type(description="可下载的文件")
class Document:
    filename: str = strawberry.field(description="文件名")
    content_type: str = strawberry.field(description="文件类型")
    content_base64: str = strawberry.field(description="文件内容（Base64 编码）")

    @classmethod
    def pdf(cls, filename: str, content: bytes) -> "Document":
        return cls(
            filename=filename, content_type=PDF, content_base64=base64.b64encode(content).decode()
        )


@strawberry.type(name="UnitRegistration", description="单位党组织到社区报到")
class UnitRegistrationType(relay.Node):
    id: relay.NodeID[int]
    status: RegistrationStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    statement: str | None = strawberry.field(description="报到说明")
    submitted_at: datetime = strawberry.field(description="提交时间")
    decided_at: datetime | None = strawberry.field(description="社区确认或退回的时间")
    return_reason: str | None = strawberry.field(description="退回原因")
    ended_at: datetime | None = strawberry.field(description="结束时间")
    end_reason: str | None = strawberry.field(description="结束原因")
    model: strawberry.Private[UnitRegistration]

    @classmethod
    def from_model(cls, row: UnitRegistration) -> "UnitRegistrationType":
        return cls(
            id=row.id,
            status=row.status,
            status_name=REGISTRATION_STATUS_NAMES[row.status],
            statement=row.statement,
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            return_reason=row.return_reason,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="报到的单位党组织")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="报到社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="共驻共建协议（生效的，否则最近一份；尚未签订为空）")
    async def agreement(self, info: Info[Context, None]) -> "AgreementType | None":
        found = await info.context.loaders.agreement_of_registration.load(self.model.id)
        return None if found is None else AgreementType.from_model(found)


@strawberry.type(description="协议联系人")
class AgreementContact:
    name: str = strawberry.field(description="姓名")
    side: str = strawberry.field(description="所属一方：unit（单位）或 community（社区）")
    title: str | None = strawberry.field(description="职务")
    phone: str | None = strawberry.field(description="工作电话")


def _contacts(rows: list[dict[str, object]]) -> list[AgreementContact]:
    return [
        AgreementContact(
            name=str(row["name"]),
            side=str(row["side"]),
            title=None if row.get("title") is None else str(row["title"]),
            phone=None if row.get("phone") is None else str(row["phone"]),
        )
        for row in rows
    ]


@strawberry.type(description="共驻共建协议的一个版本（签订、修订、续签或终止时的条款）")
class AgreementVersionType:
    version: int = strawberry.field(description="版本号")
    change: AgreementChangeType = strawberry.field(description="变更类型")  # type: ignore[valid-type]
    change_name: str = strawberry.field(description="变更类型（中文）")
    responsibilities: list[str] = strawberry.field(description="共建责任")
    resources: list[str] = strawberry.field(description="提供资源")
    projects: list[str] = strawberry.field(description="认领项目")
    contacts: list[AgreementContact] = strawberry.field(description="联系人")
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date = strawberry.field(description="结束日期")
    reason: str | None = strawberry.field(description="变更原因")
    changed_by: str = strawberry.field(description="经办人")
    changed_at: datetime = strawberry.field(description="变更时间")

    @classmethod
    def from_model(cls, row: AgreementVersion) -> "AgreementVersionType":
        return cls(
            version=row.version,
            change=row.change,
            change_name=AGREEMENT_CHANGE_NAMES[row.change],
            responsibilities=list(row.responsibilities),
            resources=list(row.resources),
            projects=list(row.projects),
            contacts=_contacts(row.contacts),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            reason=row.reason,
            changed_by=row.changed_by_name,
            changed_at=row.changed_at,
        )


@strawberry.type(name="Agreement", description="共驻共建协议（现行条款）")
class AgreementType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="协议编号")
    status: AgreementStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    version: int = strawberry.field(description="现行版本号")
    responsibilities: list[str] = strawberry.field(description="共建责任")
    resources: list[str] = strawberry.field(description="单位提供的资源")
    projects: list[str] = strawberry.field(description="单位认领的项目")
    contacts: list[AgreementContact] = strawberry.field(description="双方联系人")
    starts_on: date = strawberry.field(description="开始日期")
    ends_on: date = strawberry.field(description="结束日期")
    signed_at: datetime = strawberry.field(description="签订时间")
    ended_at: datetime | None = strawberry.field(description="终止时间")
    end_reason: str | None = strawberry.field(description="终止原因")
    model: strawberry.Private[Agreement]

    @classmethod
    def from_model(cls, row: Agreement) -> "AgreementType":
        return cls(
            id=row.id,
            number=row.number,
            status=row.status,
            version=row.version,
            responsibilities=list(row.responsibilities),
            resources=list(row.resources),
            projects=list(row.projects),
            contacts=_contacts(row.contacts),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            signed_at=row.signed_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="签约单位")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="全部版本，从签订开始")
    async def history(self, info: Info[Context, None]) -> list[AgreementVersionType]:
        session = await info.context.uow.session()
        rows = await agreements.history(session, self.model)
        return [AgreementVersionType.from_model(row) for row in rows]

    @strawberry.field(description="协议文本（PDF，A4，含双方盖章处）")
    async def pdf(self, info: Info[Context, None]) -> Document:
        session = await info.context.uow.session()
        content = await documents.agreement_pdf(session, self.model)
        return Document.pdf(f"共驻共建协议-{self.model.number}.pdf", content)


@strawberry.type(name="MemberRegistration", description="在职党员到社区报到（报到单及回执）")
class MemberRegistrationType(relay.Node):
    id: relay.NodeID[int]
    slip_number: str = strawberry.field(description="报到单编号")
    channel: RegistrationChannelType = strawberry.field(  # type: ignore[valid-type]
        description="报到方式"
    )
    channel_name: str = strawberry.field(description="报到方式（中文）")
    status: RegistrationStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    submitted_at: datetime = strawberry.field(description="提交时间")
    decided_at: datetime | None = strawberry.field(description="社区确认或退回的时间")
    return_reason: str | None = strawberry.field(description="退回原因")
    receipt_number: str | None = strawberry.field(description="回执编号（社区确认后生成）")
    receipt_filed_at: datetime | None = strawberry.field(description="单位将回执归档的时间")
    ended_at: datetime | None = strawberry.field(description="结束时间")
    end_reason: str | None = strawberry.field(description="结束原因（如迁居）")
    model: strawberry.Private[MemberRegistration]

    @classmethod
    def from_model(cls, row: MemberRegistration) -> "MemberRegistrationType":
        return cls(
            id=row.id,
            slip_number=row.slip_number,
            channel=row.channel,
            channel_name=CHANNEL_NAMES[row.channel],
            status=row.status,
            status_name=REGISTRATION_STATUS_NAMES[row.status],
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            return_reason=row.return_reason,
            receipt_number=row.receipt_number,
            receipt_filed_at=row.receipt_filed_at,
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            model=row,
        )

    @strawberry.field(description="报到党员")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.model.member_id)

    @strawberry.field(description="工作单位（回执送达的单位）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="报到社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="居住地（小区，未填则为社区）")
    async def residence(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.node_id)

    @strawberry.field(description="迁居前的报到（如有）")
    async def moved_from(self, info: Info[Context, None]) -> "MemberRegistrationType | None":
        if self.model.moved_from_id is None:
            return None
        found = await info.context.loaders.member_registration.load(self.model.moved_from_id)
        return None if found is None else MemberRegistrationType.from_model(found)

    @strawberry.field(description="报到单（PDF，A4）")
    async def slip_pdf(self, info: Info[Context, None]) -> Document:
        session = await info.context.uow.session()
        content = await documents.slip_pdf(session, self.model)
        return Document.pdf(f"报到单-{self.model.slip_number}.pdf", content)

    @strawberry.field(description="回执（PDF，A4，含社区盖章处）；社区确认前为空")
    async def receipt_pdf(self, info: Info[Context, None]) -> Document | None:
        if self.model.receipt_number is None:
            return None
        session = await info.context.uow.session()
        content = await documents.receipt_pdf(session, self.model)
        return Document.pdf(f"回执-{self.model.receipt_number}.pdf", content)


@strawberry.type(description="单位的一名党员及其报到情况")
class RosterEntry:
    member: MemberType = strawberry.field(description="党员")
    registration: MemberRegistrationType | None = strawberry.field(
        description="正在生效或待确认的报到（未报到为空）"
    )
    registered: bool = strawberry.field(description="是否已报到（社区已确认）")

    @classmethod
    def of(cls, row: tuple[Member, MemberRegistration | None]) -> "RosterEntry":
        member, registration = row
        return cls(
            member=MemberType.from_model(member),
            registration=None
            if registration is None
            else MemberRegistrationType.from_model(registration),
            registered=registration is not None
            and registration.status is RegistrationStatus.CONFIRMED,
        )


@strawberry.type(description="社区或小区的报到统计")
class PlaceRegistrationCount:
    place: HierarchyNodeType = strawberry.field(description="社区本身或其下的小区")
    residents: int = strawberry.field(description="居住在此的在册党员")
    registered: int = strawberry.field(description="已报到（社区已确认）")
    pending: int = strawberry.field(description="待社区确认")
    unreported: int = strawberry.field(description="尚未报到")

    @classmethod
    def of(cls, row: PlaceCount) -> "PlaceRegistrationCount":
        return cls(
            place=HierarchyNodeType.from_model(row.node),
            residents=row.residents,
            registered=row.registered,
            pending=row.pending,
            unreported=row.residents - row.registered - row.pending,
        )
