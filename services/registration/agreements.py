"""共驻共建协议: signed on a confirmed unit registration, then amended, renewed or ended;
each change is a new version, the earlier ones kept as they were."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now, today
from infra.db import bound_tenant
from policies import access
from policies.paths import node_ids
from policies.principal import Principal
from services.events.service import record_step
from services.registration import inputs, repository
from services.registration.errors import (
    AgreementEnded,
    AgreementExists,
    AgreementNotFound,
    NotConfirmed,
)
from services.registration.models import (
    Agreement,
    AgreementChange,
    AgreementStatus,
    AgreementVersion,
    RegistrationStatus,
    UnitRegistration,
)
from services.registration.numbers import Series, take_numbers
from services.registration.units import get_unit_registration
from services.registry import fields

RESOURCE = "agreement"
SIDES = {"unit": "单位", "community": "社区"}
LONGEST_PERIOD_YEARS = 5
ITEM_MAX_LENGTH = 500


@dataclass(frozen=True)
class ContactDraft:
    name: object = None
    side: object = None
    title: object = None
    phone: object = None


@dataclass(frozen=True)
class TermsDraft:
    """Terms as typed in; None leaves a term as it is (when amending or renewing)."""

    responsibilities: list[str] | None = None
    resources: list[str] | None = None
    projects: list[str] | None = None
    contacts: list[ContactDraft] | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class Terms:
    responsibilities: list[str]
    resources: list[str]
    projects: list[str]
    contacts: list[dict[str, Any]]
    starts_on: date
    ends_on: date


def _items(field: str, values: list[str], *, required: bool) -> list[str]:
    def check(raw: list[str]) -> list[str]:
        items = [fields.required_text(v, ITEM_MAX_LENGTH) for v in raw if fields.text(v)]
        if required and not items:
            raise fields.FieldProblem("至少填写一项")
        return items

    return inputs.clean_agreement(field, check, values)


def _contact(draft: ContactDraft) -> dict[str, Any]:
    name = inputs.clean_agreement("contacts.name", fields.person_name, draft.name)
    side = fields.text(draft.side) or "unit"
    if side not in SIDES:
        raise inputs.clean_agreement.error("「联系人」所属一方应为单位或社区", field="contacts")
    return {
        "name": name,
        "side": side,
        "title": inputs.clean_agreement("contacts.title", fields.optional_text, draft.title),
        "phone": inputs.clean_agreement("contacts.phone", fields.contact_phone, draft.phone),
    }


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def _terms(draft: TermsDraft, base: Terms | None, *, check_end: bool = True) -> Terms:
    """Checked terms: the draft's, falling back on `base` (the terms in force). A new or
    renewed agreement cannot end in the past (`check_end`)."""

    def given(name: str, check: Any) -> Any:
        value = getattr(draft, name)
        if value is not None:
            return check(value)
        return getattr(base, name) if base is not None else None

    terms = Terms(
        responsibilities=given(
            "responsibilities", lambda v: _items("responsibilities", v, required=True)
        ),
        resources=given("resources", lambda v: _items("resources", v, required=False)) or [],
        projects=given("projects", lambda v: _items("projects", v, required=False)) or [],
        contacts=given("contacts", lambda v: [_contact(c) for c in v]),
        starts_on=given("starts_on", lambda v: v),
        ends_on=given("ends_on", lambda v: v),
    )
    for field, value in (
        ("responsibilities", terms.responsibilities),
        ("contacts", terms.contacts),
        ("startsOn", terms.starts_on),
        ("endsOn", terms.ends_on),
    ):
        if not value:
            raise inputs.clean_agreement.error(f"「{inputs.LABELS[field]}」不能为空", field=field)
    if terms.ends_on < terms.starts_on:
        raise inputs.clean_agreement.error("「协议结束日期」不能早于开始日期", field="endsOn")
    if terms.ends_on > _years_after(terms.starts_on, LONGEST_PERIOD_YEARS):
        raise inputs.clean_agreement.error(
            f"协议期限不能超过 {LONGEST_PERIOD_YEARS} 年", field="endsOn"
        )
    if check_end and terms.ends_on < today():
        raise inputs.clean_agreement.error("「协议结束日期」不能早于今天", field="endsOn")
    return terms


def _terms_of(agreement: Agreement) -> Terms:
    return Terms(
        responsibilities=list(agreement.responsibilities),
        resources=list(agreement.resources),
        projects=list(agreement.projects),
        contacts=list(agreement.contacts),
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
    )


def _apply(agreement: Agreement, terms: Terms) -> None:
    agreement.responsibilities = terms.responsibilities
    agreement.resources = terms.resources
    agreement.projects = terms.projects
    agreement.contacts = terms.contacts
    agreement.starts_on, agreement.ends_on = terms.starts_on, terms.ends_on


async def _keep_version(
    session: AsyncSession,
    principal: Principal,
    agreement: Agreement,
    change: AgreementChange,
    reason: str | None,
) -> None:
    session.add(
        AgreementVersion(
            tenant_id=agreement.tenant_id,
            agreement_id=agreement.id,
            version=agreement.version,
            change=change,
            responsibilities=agreement.responsibilities,
            resources=agreement.resources,
            projects=agreement.projects,
            contacts=agreement.contacts,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            reason=reason,
            changed_by=principal.account_id,
            changed_by_name=principal.name,
        )
    )
    await session.flush()
    detail: dict[str, Any] = {"version": agreement.version, "number": agreement.number}
    if reason:
        detail["reason"] = reason
    await record_step(
        session,
        principal,
        type=f"agreement.{change.value}",
        node=_here(agreement),
        object_type=RESOURCE,
        object_id=agreement.id,
        payload={
            "agreement_id": agreement.id,
            "unit_registration_id": agreement.registration_id,
            "unit_id": agreement.unit_id,
            "starts_on": agreement.starts_on.isoformat(),
            "ends_on": agreement.ends_on.isoformat(),
            **detail,
        },
        detail=detail,
    )


def _here(agreement: Agreement) -> tuple[int, str]:
    """The community's node (the last id of its path)."""
    return node_ids(agreement.scope_path)[-1], agreement.scope_path


async def get_agreement(
    session: AsyncSession, agreement_id: int, *, for_update: bool = False
) -> Agreement:
    found = await repository.agreement(session, agreement_id, for_update=for_update)
    if found is None:
        raise AgreementNotFound("未找到该共驻共建协议", field="id")
    return found


def _require(
    session: AsyncSession, principal: Principal, agreement: Agreement, action: str
) -> None:
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action=action,
        node=_here(agreement),
        owned=principal.unit_id == agreement.unit_id,
    )


async def read_agreement(
    session: AsyncSession, principal: Principal, agreement_id: int
) -> Agreement:
    agreement = await get_agreement(session, agreement_id)
    _require(session, principal, agreement, "read")
    return agreement


async def sign_agreement(
    session: AsyncSession, principal: Principal, registration_id: int, draft: TermsDraft
) -> Agreement:
    """Record the agreement both sides signed on a confirmed registration."""
    registration = await get_unit_registration(
        session, registration_id, for_update=True, field="registrationId"
    )
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="sign",
        node=(registration.node_id, registration.scope_path),
        owned=principal.unit_id == registration.unit_id,
    )
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise NotConfirmed("报到经社区确认后才能签订共驻共建协议", field="registrationId")
    if await repository.agreement_in_force(session, registration.id) is not None:
        raise AgreementExists(
            "该报到已有生效的共驻共建协议；如需变更请修订或续签", field="registrationId"
        )
    terms = _terms(draft, None)
    (number,) = await take_numbers(session, Series.AGREEMENT)
    agreement = Agreement(
        tenant_id=bound_tenant(session),
        number=number,
        registration_id=registration.id,
        unit_id=registration.unit_id,
        scope_path=registration.scope_path,
        status=AgreementStatus.IN_FORCE,
        version=1,
    )
    _apply(agreement, terms)
    session.add(agreement)
    await session.flush()
    await _keep_version(session, principal, agreement, AgreementChange.SIGNED, None)
    return agreement


async def _in_force(session: AsyncSession, principal: Principal, agreement_id: int) -> Agreement:
    agreement = await get_agreement(session, agreement_id, for_update=True)
    _require(session, principal, agreement, "amend")
    if agreement.status is not AgreementStatus.IN_FORCE:
        raise AgreementEnded("该协议已终止，不能再修订或续签", field="id")
    return agreement


async def amend_agreement(
    session: AsyncSession,
    principal: Principal,
    agreement_id: int,
    draft: TermsDraft,
    *,
    reason: str,
) -> Agreement:
    agreement = await _in_force(session, principal, agreement_id)
    cleaned = inputs.reason(reason, inputs.clean_agreement)
    # Amending the terms of an agreement already past its end stays possible (it then
    # wants renewing); a new end date must not be in the past.
    _apply(agreement, _terms(draft, _terms_of(agreement), check_end=draft.ends_on is not None))
    agreement.version += 1
    await session.flush()
    await _keep_version(session, principal, agreement, AgreementChange.AMENDED, cleaned)
    return agreement


async def renew_agreement(
    session: AsyncSession,
    principal: Principal,
    agreement_id: int,
    draft: TermsDraft,
    *,
    reason: str | None = None,
) -> Agreement:
    """A new period (by default from the day after the old one ends), terms optionally
    changed at the same time."""
    agreement = await _in_force(session, principal, agreement_id)
    if draft.ends_on is None:
        raise inputs.clean_agreement.error("续签须给出新的「协议结束日期」", field="endsOn")
    if draft.ends_on <= agreement.ends_on:
        raise inputs.clean_agreement.error(
            f"续签后的结束日期应晚于原结束日期 {agreement.ends_on.isoformat()}", field="endsOn"
        )
    starts_on = draft.starts_on or agreement.ends_on + timedelta(days=1)
    renewed = _terms(replace(draft, starts_on=starts_on), _terms_of(agreement))
    cleaned = inputs.clean_agreement("reason", fields.optional_text, reason)
    _apply(agreement, renewed)
    agreement.version += 1
    await session.flush()
    await _keep_version(session, principal, agreement, AgreementChange.RENEWED, cleaned)
    return agreement


async def _end(
    session: AsyncSession, principal: Principal, agreement: Agreement, reason: str
) -> None:
    agreement.status = AgreementStatus.ENDED
    agreement.ended_at, agreement.end_reason = now(), reason
    agreement.version += 1
    await session.flush()
    await _keep_version(session, principal, agreement, AgreementChange.ENDED, reason)


async def end_agreement(
    session: AsyncSession, principal: Principal, agreement_id: int, *, reason: str
) -> Agreement:
    agreement = await get_agreement(session, agreement_id, for_update=True)
    _require(session, principal, agreement, "end")
    cleaned = inputs.reason(reason, inputs.clean_agreement)
    if agreement.status is not AgreementStatus.IN_FORCE:
        raise AgreementEnded("该协议已终止", field="id")
    await _end(session, principal, agreement, cleaned)
    return agreement


async def end_with_registration(
    session: AsyncSession,
    principal: Principal,
    registration: UnitRegistration,
    reason: str,
) -> None:
    """A registration that ends takes its agreement in force with it."""
    agreement = await repository.agreement_in_force(session, registration.id)
    if agreement is not None:
        await _end(session, principal, agreement, f"报到结束：{reason}")


async def history(session: AsyncSession, agreement: Agreement) -> list[AgreementVersion]:
    """Every version, the signing first."""
    return await repository.agreement_versions(session, agreement.id)
