"""The steps of 双报到 as mutations: each one transaction, answered with the saved record or
a typed error (and then nothing is saved)."""

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registration import (
    AGREEMENT,
    MEMBER_REGISTRATION,
    UNIT_REGISTRATION,
    AgreementResult,
    AgreementSuccess,
    AgreementTermsInput,
    MemberRegistrationResult,
    MemberRegistrationsResult,
    MemberRegistrationsSuccess,
    MemberRegistrationSuccess,
    UnitRegistrationResult,
    UnitRegistrationSuccess,
    global_ids,
    optional_id,
)
from api.registry import MEMBER, UNIT
from api.results import run_step
from api.types.registration import AgreementType, MemberRegistrationType, UnitRegistrationType
from policies.principal import Principal
from services.registration import agreements, members, receipts, units
from services.registration.models import Agreement, MemberRegistration, UnitRegistration


def _unit_registration(row: UnitRegistration) -> UnitRegistrationSuccess:
    return UnitRegistrationSuccess(registration=UnitRegistrationType.from_model(row))


def _agreement(row: Agreement) -> AgreementSuccess:
    return AgreementSuccess(agreement=AgreementType.from_model(row))


def _member_registration(row: MemberRegistration) -> MemberRegistrationSuccess:
    return MemberRegistrationSuccess(registration=MemberRegistrationType.from_model(row))


def _member_registrations(rows: list[MemberRegistration]) -> MemberRegistrationsSuccess:
    return MemberRegistrationsSuccess(
        registrations=[MemberRegistrationType.from_model(row) for row in rows]
    )


@strawberry.type
class RegistrationMutation:
    @strawberry.mutation(
        description="单位党组织向社区报到：默认为单位所在社区；报到到其他社区须由街道指派"
    )
    async def submit_unit_registration(
        self,
        info: Info[Context, None],
        unit_id: relay.GlobalID,
        community_id: relay.GlobalID | None = None,
        statement: str | None = None,
    ) -> UnitRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitRegistrationSuccess:
            row = await units.submit_unit_registration(
                session,
                principal,
                unit_id=int_id(unit_id, UNIT, "unitId"),
                community_id=optional_id(community_id, NODE, "communityId"),
                statement=statement,
            )
            return _unit_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="社区确认单位报到")
    async def confirm_unit_registration(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> UnitRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitRegistrationSuccess:
            registration_id = int_id(id, UNIT_REGISTRATION)
            row = await units.confirm_unit_registration(session, principal, registration_id)
            return _unit_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="社区退回单位报到（须写明原因）")
    async def return_unit_registration(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> UnitRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitRegistrationSuccess:
            row = await units.return_unit_registration(
                session, principal, int_id(id, UNIT_REGISTRATION), reason=reason
            )
            return _unit_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="结束（或撤回）单位报到；生效的协议随之终止")
    async def end_unit_registration(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> UnitRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitRegistrationSuccess:
            row = await units.end_unit_registration(
                session, principal, int_id(id, UNIT_REGISTRATION), reason=reason
            )
            return _unit_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="签订共驻共建协议（单位报到经社区确认后）")
    async def sign_agreement(
        self, info: Info[Context, None], registration_id: relay.GlobalID, terms: AgreementTermsInput
    ) -> AgreementResult:
        async def step(session: AsyncSession, principal: Principal) -> AgreementSuccess:
            registration = int_id(registration_id, UNIT_REGISTRATION, "registrationId")
            row = await agreements.sign_agreement(session, principal, registration, terms.draft())
            return _agreement(row)

        return await run_step(info, step)

    @strawberry.mutation(description="修订协议条款（保留修订前的版本，须写明原因）")
    async def amend_agreement(
        self, info: Info[Context, None], id: relay.GlobalID, terms: AgreementTermsInput, reason: str
    ) -> AgreementResult:
        async def step(session: AsyncSession, principal: Principal) -> AgreementSuccess:
            row = await agreements.amend_agreement(
                session, principal, int_id(id, AGREEMENT), terms.draft(), reason=reason
            )
            return _agreement(row)

        return await run_step(info, step)

    @strawberry.mutation(
        description="续签协议：新的结束日期（开始日期默认为原协议到期次日），可同时调整条款"
    )
    async def renew_agreement(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        terms: AgreementTermsInput,
        reason: str | None = None,
    ) -> AgreementResult:
        async def step(session: AsyncSession, principal: Principal) -> AgreementSuccess:
            row = await agreements.renew_agreement(
                session, principal, int_id(id, AGREEMENT), terms.draft(), reason=reason
            )
            return _agreement(row)

        return await run_step(info, step)

    @strawberry.mutation(description="终止协议（须写明原因）")
    async def end_agreement(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> AgreementResult:
        async def step(session: AsyncSession, principal: Principal) -> AgreementSuccess:
            row = await agreements.end_agreement(
                session, principal, int_id(id, AGREEMENT), reason=reason
            )
            return _agreement(row)

        return await run_step(info, step)

    @strawberry.mutation(
        description="单位组织党员分批报到（整体推进、分批组织）：每人报到到其居住的社区；"
        "全部无误才保存"
    )
    async def register_unit_members(
        self, info: Info[Context, None], unit_id: relay.GlobalID, member_ids: list[relay.GlobalID]
    ) -> MemberRegistrationsResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationsSuccess:
            rows = await members.register_unit_members(
                session,
                principal,
                unit_id=int_id(unit_id, UNIT, "unitId"),
                member_ids=global_ids(member_ids, MEMBER, "memberIds"),
            )
            return _member_registrations(rows)

        return await run_step(info, step)

    @strawberry.mutation(
        description="党员报到（本人自行报到，或由单位、社区代为提交）：社区默认为名册上的居住社区"
    )
    async def register_member(
        self,
        info: Info[Context, None],
        member_id: relay.GlobalID,
        community_id: relay.GlobalID | None = None,
        residence_id: relay.GlobalID | None = None,
    ) -> MemberRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationSuccess:
            row = await members.register_member(
                session,
                principal,
                member_id=int_id(member_id, MEMBER, "memberId"),
                community_id=optional_id(community_id, NODE, "communityId"),
                residence_id=optional_id(residence_id, NODE, "residenceId"),
            )
            return _member_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="社区确认党员报到并出具回执（可一次确认多张）")
    async def confirm_member_registrations(
        self, info: Info[Context, None], ids: list[relay.GlobalID]
    ) -> MemberRegistrationsResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationsSuccess:
            registration_ids = global_ids(ids, MEMBER_REGISTRATION, "ids")
            rows = await receipts.confirm_member_registrations(session, principal, registration_ids)
            return _member_registrations(rows)

        return await run_step(info, step)

    @strawberry.mutation(description="社区退回党员报到单（须写明原因）")
    async def return_member_registration(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> MemberRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationSuccess:
            row = await receipts.return_member_registration(
                session, principal, int_id(id, MEMBER_REGISTRATION), reason=reason
            )
            return _member_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(description="单位收到回执并归档（可一次归档多份）")
    async def file_receipts(
        self, info: Info[Context, None], ids: list[relay.GlobalID]
    ) -> MemberRegistrationsResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationsSuccess:
            registration_ids = global_ids(ids, MEMBER_REGISTRATION, "ids")
            rows = await receipts.file_receipts(session, principal, registration_ids)
            return _member_registrations(rows)

        return await run_step(info, step)

    @strawberry.mutation(description="结束党员报到（须写明原因；记录保留）")
    async def end_member_registration(
        self, info: Info[Context, None], id: relay.GlobalID, reason: str
    ) -> MemberRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationSuccess:
            row = await receipts.end_member_registration(
                session, principal, int_id(id, MEMBER_REGISTRATION), reason=reason
            )
            return _member_registration(row)

        return await run_step(info, step)

    @strawberry.mutation(
        description="迁居转报到：结束在原社区的报到（记录保留），向新居住地社区提交新的报到单"
    )
    async def move_member(
        self,
        info: Info[Context, None],
        member_id: relay.GlobalID,
        community_id: relay.GlobalID,
        residence_id: relay.GlobalID | None = None,
        reason: str | None = None,
    ) -> MemberRegistrationResult:
        async def step(session: AsyncSession, principal: Principal) -> MemberRegistrationSuccess:
            row = await members.move_member(
                session,
                principal,
                member_id=int_id(member_id, MEMBER, "memberId"),
                community_id=int_id(community_id, NODE, "communityId"),
                residence_id=optional_id(residence_id, NODE, "residenceId"),
                reason=reason,
            )
            return _member_registration(row)

        return await run_step(info, step)
