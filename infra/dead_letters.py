"""Dead letters: messages that spent their retries, written to `failed_messages` where
admins see them (`failedMessages`) and send them again (`retryFailedMessage`).

The middleware runs in the worker after Retries has marked a message failed; it writes
the row in the message's county on the workers' event loop. Who may read or retry is
the API's to check (policies sit above infra); this module keeps the rows.
"""

import asyncio
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.message import Message
from dramatiq.middleware import Middleware
from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from infra.actors import worker_database
from infra.clock import CHINA, now
from infra.db import Database, bind_tenant
from infra.errors import DomainError, InvalidInput, NotFound
from infra.jobs import FailedMessage
from infra.pagination import Page, PageOf

log = logging.getLogger(__name__)

# What admins read of the error: the exception, not its traceback (that is in the logs
# and Sentry), bounded.
ERROR_CHARS = 2000


class FailedMessageNotFound(NotFound):
    code = "FAILED_MESSAGE_NOT_FOUND"


class FailedMessageAlreadyRetried(DomainError):
    code = "FAILED_MESSAGE_ALREADY_RETRIED"


class BrokerUnavailable(DomainError):
    code = "BROKER_UNAVAILABLE"


@dataclass(frozen=True)
class DeadLetter:
    """A spent message as the table keeps it."""

    tenant_id: UUID
    actor: str
    queue_name: str
    event_id: int | None
    message_id: str
    args: list[Any]
    error: str
    attempts: int


def dead_letter(message: Message[Any], exception: BaseException) -> DeadLetter | None:
    """The row for a spent message; None for a message that names no county (every
    consumer's message does: (tenant id, [event ids]))."""
    args = list(message.args)
    try:
        tenant_id = UUID(str(args[0]))
    except (IndexError, ValueError):
        return None
    # A consumer's message carries a batch of events; only a batch of one is dead-lettered
    # (infra/actors.py splits a failed batch), unless sending the parts failed too.
    batch = args[1] if len(args) > 1 and isinstance(args[1], list) else []
    event_id = batch[0] if len(batch) == 1 and isinstance(batch[0], int) else None
    error = "".join(traceback.format_exception_only(type(exception), exception)).strip()
    return DeadLetter(
        tenant_id=tenant_id,
        actor=message.actor_name,
        queue_name=message.queue_name,
        event_id=event_id,
        message_id=message.message_id,
        args=args,
        error=error[:ERROR_CHARS],
        attempts=int(message.options.get("retries", 1)),
    )


async def record(database: Database, letter: DeadLetter) -> None:
    async with database.tenant_session(letter.tenant_id) as session:
        session.add(
            FailedMessage(
                tenant_id=letter.tenant_id,
                actor=letter.actor,
                queue_name=letter.queue_name,
                event_id=letter.event_id,
                message_id=letter.message_id,
                args=letter.args,
                error=letter.error,
                attempts=letter.attempts,
            )
        )


class DeadLetters(Middleware):
    """Writes each message that failed for good to `failed_messages`."""

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: object = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.failed:
            return
        letter = dead_letter(message, exception)
        loop = get_event_loop_thread()
        if letter is None or loop is None:
            log.error("message %s failed for good and names no county", message.message_id)
            return
        try:
            loop.run_coroutine(record(worker_database.get(), letter))
        except Exception:
            # The broker keeps its own copy of the dead letter; the log says it is missing
            # from the admins' list.
            log.exception("could not record the dead letter %s", message.message_id)


@dataclass(frozen=True)
class County:
    id: UUID
    county_code: str


_COUNTIES = text("SELECT id, county_code FROM tenants WHERE id <> :platform ORDER BY county_code")


async def counties(session: AsyncSession) -> list[County]:
    """Every county (for a platform admin's list across them)."""
    rows = await session.execute(_COUNTIES, {"platform": UUID(int=0)})
    return [County(id=row.id, county_code=row.county_code) for row in rows]


def _after(after: tuple[Any, ...]) -> tuple[datetime, UUID, int]:
    try:
        failed_at, tenant_id, failed_id = after
        return datetime.fromisoformat(failed_at), UUID(tenant_id), int(failed_id)
    except (TypeError, ValueError) as error:
        raise InvalidInput("分页游标 after 无效", field="after") from error


def order_key(failed: FailedMessage) -> tuple[datetime, UUID, int]:
    """A dead letter's place in every list: newest first, across counties too."""
    return failed.failed_at, failed.tenant_id, failed.id


async def page_in(
    session: AsyncSession, within: list[County], page: Page
) -> PageOf[tuple[County, FailedMessage]]:
    """The dead letters of the counties given, newest first: each county read under its
    own binding (row-level security), the pages merged; the session is bound back."""
    after = None if page.after is None else _after(page.after)
    bound = session.info.get("tenant_id")
    found: list[tuple[County, FailedMessage]] = []
    try:
        for county in within:
            await bind_tenant(session, county.id)
            query = select(FailedMessage)
            if after is not None:
                key = tuple_(FailedMessage.failed_at, FailedMessage.tenant_id, FailedMessage.id)
                query = query.where(key < tuple_(*after))
            query = query.order_by(FailedMessage.failed_at.desc(), FailedMessage.id.desc())
            rows = await session.scalars(query.limit(page.first + 1))
            found.extend((county, row) for row in rows)
    finally:
        if bound is not None:
            await bind_tenant(session, bound)
    found.sort(key=lambda pair: order_key(pair[1]), reverse=True)
    return PageOf(rows=found[: page.first], has_next=len(found) > page.first)


async def for_retry(session: AsyncSession, failed_id: int) -> FailedMessage:
    """A dead letter of the bound county, locked, not yet sent again."""
    found = await session.scalar(
        select(FailedMessage).where(FailedMessage.id == failed_id).with_for_update()
    )
    if found is None:
        raise FailedMessageNotFound("未找到该失败消息", field="id")
    if found.retried_at is not None:
        raise FailedMessageAlreadyRetried(
            f"该消息已于 {found.retried_at.astimezone(CHINA):%Y-%m-%d %H:%M} 重新投递；"
            "如再次失败，会另有一条失败记录",
            field="id",
        )
    return found


async def send_again(
    broker: dramatiq.Broker, failed: FailedMessage, retried_by: UUID | None
) -> None:
    """Put a dead letter back on its queue as a new message (with fresh retries) and
    mark it retried; the caller's transaction commits the mark."""
    message: Message[Any] = Message(
        queue_name=failed.queue_name,
        actor_name=failed.actor,
        args=tuple(failed.args),
        kwargs={},
        options={},
    )
    if failed.actor not in broker.get_declared_actors():
        raise BrokerUnavailable(f"消息处理程序 {failed.actor} 已不存在，无法重新投递", field="id")
    try:
        await asyncio.to_thread(broker.enqueue, message)
    except Exception as error:
        log.exception("could not send dead letter %s again", failed.id)
        raise BrokerUnavailable("消息队列暂时不可用，请稍后再试") from error
    failed.retried_at = now()
    failed.retried_by = retried_by
    failed.retry_message_id = message.message_id
