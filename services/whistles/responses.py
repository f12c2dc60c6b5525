"""Answering a whistle call: a member for themself, a unit admin for the unit, accepted or
declined before the deadline and changed at will until then; the calls each received."""

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import now
from infra.pagination import Page, PageOf
from policies import access
from policies.principal import Principal
from services.events.service import record_step
from services.registry import fields
from services.whistles import inputs, repository
from services.whistles.errors import InvalidWhistleResponse, WhistleDeadlinePassed
from services.whistles.models import (
    Answer,
    RecipientKind,
    WhistleCall,
    WhistleRecipient,
    WhistleStatus,
)
from services.whistles.service import (
    LIVE,
    RESOURCE,
    closed,
    described,
    get_call,
    here,
    own,
)

clean = fields.Cleaner(InvalidWhistleResponse, inputs.LABELS)
WHO = {RecipientKind.UNIT: "您的单位", RecipientKind.MEMBER: "您本人"}


def _which(rows: list[WhistleRecipient], respond_as: RecipientKind | None) -> WhistleRecipient:
    """The row the caller answers for: the one asked, or the one named when both were."""
    if respond_as is not None:
        named = [row for row in rows if row.kind is respond_as]
        if not named:
            raise InvalidWhistleResponse(f"本次吹哨没有召集{WHO[respond_as]}", field="respondAs")
        return named[0]
    if len(rows) > 1:
        raise InvalidWhistleResponse(
            "您的单位和您本人都在本次召集之列，请指明以单位还是个人身份回应", field="respondAs"
        )
    return rows[0]


async def respond(
    session: AsyncSession,
    principal: Principal,
    call_id: int,
    *,
    accept: bool,
    respond_as: RecipientKind | None = None,
    note: str | None = None,
) -> tuple[WhistleCall, WhistleRecipient]:
    """Accept or decline; until the deadline an answer may be changed. The call is held
    in share mode, so answers go on side by side while closing it waits for them."""
    call = await get_call(session, call_id, lock="share")
    rows = await repository.recipients_of(session, call.id, own(principal), for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="respond",
        node=here(call),
        object_id=str(call.id),
        owned=bool(rows),
    )
    recipient = _which(rows, respond_as)
    cleaned = clean("note", lambda v: fields.optional_text(v, inputs.NOTE_MAX_LENGTH), note)
    if call.status not in LIVE:
        raise closed(call, "回应")
    at = now()
    if at >= call.respond_by or call.status is WhistleStatus.ESCALATED:
        raise WhistleDeadlinePassed(
            f"响应截止时间（{inputs.shown(call.respond_by)}）已过，不能再回应", field="id"
        )
    before = recipient.status
    recipient.status = Answer.ACCEPTED if accept else Answer.DECLINED
    recipient.note, recipient.responded_by, recipient.responded_at = (
        cleaned,
        principal.account_id,
        at,
    )
    await session.flush()
    await record_step(
        session,
        principal,
        type=f"whistle_call.{recipient.status.value}",
        node=here(call),
        object_type=RESOURCE,
        object_id=call.id,
        payload={
            **described(call),
            "recipient_kind": recipient.kind.value,
            "unit_id": recipient.unit_id,
            "member_id": recipient.member_id,
            "previous_answer": before.value,
            "note": cleaned,
        },
    )
    return call, recipient


async def received(
    session: AsyncSession,
    principal: Principal,
    page: Page,
    *,
    status: WhistleStatus | None = None,
    answer: Answer | None = None,
) -> PageOf[WhistleRecipient]:
    """The calls the caller's unit or the caller as a member received, with the answers,
    newest first."""
    if not access.may_own(principal, RESOURCE, "read"):
        return PageOf(rows=[], has_next=False)
    return await repository.received_page(
        session, own(principal), page, status=status, answer=answer
    )
