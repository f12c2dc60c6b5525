"""Queries and mutations of 双报到: unit and member registrations, agreements, and the
views each side keeps of the other."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.results import MutationError
from api.types.registration import (
    AgreementType,
    MemberRegistrationType,
    PlaceRegistrationCount,
    RegistrationStatusType,
    RosterStatusType,
    UnitRegistrationType,
)
from api.types.registry import MemberType
from services.registration import agreements, slips, units, views
from services.registration.agreements import ContactDraft, TermsDraft
from services.registration.models import RegistrationStatus
from services.registration.repository import MemberRegistrationFilter, UnitRegistrationFilter
from services.registration.views import RosterStatus

UNIT_REGISTRATION = "UnitRegistration"
MEMBER_REGISTRATION = "MemberRegistration"
AGREEMENT = "Agreement"


def global_ids(values: list[relay.GlobalID], type_name: str, field: str) -> list[int]:
    return [int_id(value, type_name, field) for value in values]


def optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else int_id(value, type_name, field)


@strawberry.input(description="协议联系人")
class AgreementContactInput:
    name: str = strawberry.field(description="姓名")
    side: str = strawberry.field(
        default="unit", description="所属一方：unit（单位）或 community（社区）"
    )
    title: str | None = strawberry.field(default=None, description="职务")
    phone: str | None = strawberry.field(default=None, description="工作电话")


@strawberry.input(description="共驻共建协议条款；修订、续签时未给出的项保持不变")
class AgreementTermsInput:
    responsibilities: list[str] | None = strawberry.field(
        default=None, description="共建责任，每项一条"
    )
    resources: list[str] | None = strawberry.field(default=None, description="单位提供的资源")
    projects: list[str] | None = strawberry.field(default=None, description="单位认领的项目")
    contacts: list[AgreementContactInput] | None = strawberry.field(
        default=None, description="双方联系人"
    )
    starts_on: date | None = strawberry.field(default=None, description="开始日期")
    ends_on: date | None = strawberry.field(default=None, description="结束日期")

    def draft(self) -> TermsDraft:
        return TermsDraft(
            responsibilities=self.responsibilities,
            resources=self.resources,
            projects=self.projects,
            contacts=None
            if self.contacts is None
            else [ContactDraft(c.name, c.side, c.title, c.phone) for c in self.contacts],
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )


@strawberry.type(description="单位报到已保存")
class UnitRegistrationSuccess:
    registration: UnitRegistrationType


@strawberry.type(description="共驻共建协议已保存")
class AgreementSuccess:
    agreement: AgreementType


@strawberry.type(description="党员报到已保存")
class MemberRegistrationSuccess:
    registration: MemberRegistrationType


@strawberry.type(description="一批党员报到已保存")
class MemberRegistrationsSuccess:
    registrations: list[MemberRegistrationType]


UnitRegistrationResult = Annotated[
    UnitRegistrationSuccess | MutationError, strawberry.union("UnitRegistrationResult")
]
AgreementResult = Annotated[AgreementSuccess | MutationError, strawberry.union("AgreementResult")]
MemberRegistrationResult = Annotated[
    MemberRegistrationSuccess | MutationError, strawberry.union("MemberRegistrationResult")
]
MemberRegistrationsResult = Annotated[
    MemberRegistrationsSuccess | MutationError, strawberry.union("MemberRegistrationsResult")
]


def _status(value: object) -> RegistrationStatus | None:
    return None if value is None else RegistrationStatus(str(value))


@strawberry.type
class RegistrationQuery:
    @strawberry.field(description="一条单位报到")
    async def unit_registration(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> UnitRegistrationType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await units.read_unit_registration(
            session, principal, int_id(id, UNIT_REGISTRATION)
        )
        return UnitRegistrationType.from_model(found)

    @strawberry.field(description="单位报到，新的在前：社区看向本社区的报到，单位看本单位的")
    async def unit_registrations(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        status: RegistrationStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[UnitRegistrationType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = UnitRegistrationFilter(
            within=await subtree(info, within),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            status=_status(status),
        )
        result = await units.list_unit_registrations(session, principal, page(first, after), where)
        return connection(result, UnitRegistrationType.from_model, lambda r: (r.id,))

    @strawberry.field(description="一份共驻共建协议")
    async def agreement(self, info: Info[Context, None], id: relay.GlobalID) -> AgreementType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await agreements.read_agreement(session, principal, int_id(id, AGREEMENT))
        return AgreementType.from_model(found)

    @strawberry.field(description="一张党员报到单")
    async def member_registration(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> MemberRegistrationType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await slips.read_member_registration(
            session, principal, int_id(id, MEMBER_REGISTRATION)
        )
        return MemberRegistrationType.from_model(found)

    @strawberry.field(
        description="党员报到单，新的在前：社区按小区查看，单位看本单位党员的，党员看自己的"
    )
    async def member_registrations(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: relay.GlobalID | None = None,
        unit_id: relay.GlobalID | None = None,
        member_id: relay.GlobalID | None = None,
        status: RegistrationStatusType | None = None,  # type: ignore[valid-type]
        receipt_filed: bool | None = None,
    ) -> relay.Connection[MemberRegistrationType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = MemberRegistrationFilter(
            within=await subtree(info, within),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            member_id=optional_id(member_id, MEMBER, "memberId"),
            status=_status(status),
            receipt_filed=receipt_filed,
        )
        result = await slips.list_member_registrations(
            session, principal, page(first, after), where
        )
        return connection(result, MemberRegistrationType.from_model, lambda r: (r.id,))

    @strawberry.field(
        description="单位党员的报到情况（双向管理）：每名在册党员是否报到、在哪个社区、何时起"
    )
    async def unit_roster(
        self,
        info: Info[Context, None],
        unit_id: relay.GlobalID,
        first: int = 20,
        after: str | None = None,
        status: RosterStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[MemberType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await views.unit_roster(
            session,
            principal,
            page(first, after),
            unit_id=int_id(unit_id, UNIT, "unitId"),
            status=None if status is None else RosterStatus(status),
        )
        for member, registration in result.rows:
            # The member's `registration` field then needs no query of its own.
            info.context.loaders.open_registration_of_member.prime(member.id, registration)
        return connection(result, lambda row: MemberType.from_model(row[0]), lambda r: (r[0].id,))

    @strawberry.field(description="社区及其各小区的报到统计：居住党员、已报到、待确认、未报到")
    async def community_registration_counts(
        self, info: Info[Context, None], community_id: relay.GlobalID
    ) -> list[PlaceRegistrationCount]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        rows = await views.community_counts(
            session, principal, int_id(community_id, NODE, "communityId")
        )
        return [PlaceRegistrationCount.of(row) for row in rows]

    @strawberry.field(description="居住在某社区或小区、尚未报到的在册党员（提醒名单）")
    async def unreported_members(
        self,
        info: Info[Context, None],
        within: relay.GlobalID,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[MemberType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        result = await views.unreported_members(
            session, principal, page(first, after), within=int_id(within, NODE, "within")
        )
        return connection(result, MemberType.from_model, lambda m: (m.scope_path, m.id))
