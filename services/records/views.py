"""Reading service records: who sees which, as one SQL predicate, and what the caller may
do with one.

Staff with `service_record read` see the records organised in their scope; a unit's admin
(read:own) the records of the unit's members and those the unit organised; a member
(read:own) their own. The records to confirm are the pending ones the caller organised
(谁组织谁记录) whose public notice is over."""

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.records import repository
from services.records.errors import ServiceRecordNotFound
from services.records.models import RecordStatus, ServiceRecord
from services.records.recording import RESOURCE
from services.records.repository import RecordFilter


def readable(principal: Principal) -> ColumnElement[bool]:
    """The records the principal may read."""
    own = repository.own_records(principal.unit_id, principal.member_id)
    return access.scope_or_own(principal, RESOURCE, "read", ServiceRecord.scope_path, own)


def decidable(principal: Principal) -> ColumnElement[bool]:
    """The records the principal organised: those of a node in its `decide` scope that no
    unit organised, and those its unit organised (its admin deciding on its own)."""
    staff = and_(
        ServiceRecord.organiser_unit_id.is_(None),
        access.scope(principal, RESOURCE, "decide", ServiceRecord.scope_path),
    )
    if principal.unit_id is not None and access.may_own(principal, RESOURCE, "decide"):
        return or_(staff, ServiceRecord.organiser_unit_id == principal.unit_id)
    return staff


def to_confirm(principal: Principal) -> ColumnElement[bool]:
    """Pending records the principal may confirm today (their notice is over)."""
    return and_(
        decidable(principal),
        ServiceRecord.status == RecordStatus.PENDING,
        or_(ServiceRecord.notice_until.is_(None), ServiceRecord.notice_until < today()),
    )


def may_decide(principal: Principal, record: ServiceRecord) -> bool:
    """Whether the principal may confirm or decline the record now (confirming waits for
    the notice to end: `on_notice`)."""
    if record.status is not RecordStatus.PENDING:
        return False
    if record.organiser_unit_id is None:
        return access.may(principal, record.scope_path, RESOURCE, "decide")
    return principal.unit_id == record.organiser_unit_id and access.may_own(
        principal, RESOURCE, "decide"
    )


def on_notice(record: ServiceRecord) -> bool:
    """Pending and still shown publicly: it may be objected to, not yet confirmed."""
    return (
        record.status is RecordStatus.PENDING
        and record.notice_until is not None
        and today() <= record.notice_until
    )


async def read_record(session: AsyncSession, principal: Principal, record_id: int) -> ServiceRecord:
    record = await repository.record_where(session, record_id, readable(principal))
    if record is not None:
        return record
    found = await repository.get_record(session, record_id)
    if found is None:
        raise ServiceRecordNotFound("未找到该服务记录", field="id")
    # Not readable: refused (and the refusal audited) as at the organiser's node.
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="read",
        node=(found.node_id, found.scope_path),
        object_id=str(found.id),
    )
    return found


async def list_records(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    where: RecordFilter,
    *,
    confirming: bool = False,
) -> PageOf[ServiceRecord]:
    """The records the principal may read meeting `where`, the latest service first;
    `confirming`: only those it may confirm now."""
    scope = readable(principal)
    if confirming:
        scope = and_(scope, to_confirm(principal))
    return await repository.records_page(session, scope, page, where)
