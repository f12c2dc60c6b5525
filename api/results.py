"""Mutation results: the success type, or a typed error with a code and a zh-CN message."""

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

# Every module defining domain errors, so the code enum below names them all.
import infra.dead_letters  # noqa: F401
import services.activities.errors
import services.alliances.errors
import services.assessment.errors
import services.dashboards.errors
import services.identity.errors
import services.lists.errors
import services.notifications.errors
import services.pairing.errors
import services.projects.errors
import services.records.errors
import services.registration.errors
import services.registry.errors
import services.whistles.errors
import services.wishes.errors  # noqa: F401
import tenants.errors
import tenants.hierarchy.errors
import tenants.rules.errors  # noqa: F401
from infra.errors import DomainError
from policies.errors import Unauthenticated
from policies.principal import Principal

T = TypeVar("T")


def _all_codes(cls: type[DomainError]) -> set[str]:
    codes = {cls.code}
    for sub in cls.__subclasses__():
        codes |= _all_codes(sub)
    return codes


ErrorCode: type[enum.Enum] = enum.Enum(  # type: ignore[misc]
    "ErrorCode", {code: code for code in sorted(_all_codes(DomainError))}
)
strawberry.enum(ErrorCode, description="错误代码")


@strawberry.type(description="操作未完成：原因代码、可读说明，以及出错的输入项")
class MutationError:
    code: enum.Enum = strawberry.field(graphql_type=ErrorCode, description="错误代码")
    message: str = strawberry.field(description="说明（简体中文）")
    field: str | None = strawberry.field(description="出错的输入项，如有")

    @classmethod
    def of(cls, error: DomainError) -> "MutationError":
        return cls(code=ErrorCode(error.code), message=error.message, field=error.field)


Step = Callable[[AsyncSession, Principal], Awaitable[T]]


async def run_step(info: Info[Any, None], step: Step[T]) -> T | MutationError:
    """`attempt` a step that takes the request's session and caller: most mutations."""

    async def work() -> T:
        principal = await info.context.principal()
        return await step(await info.context.uow.session(), principal)

    return await attempt(info, work)


async def attempt(info: Info[Any, None], work: Callable[[], Awaitable[T]]) -> T | MutationError:
    """Run a mutation's work; an expected failure rolls everything back and is answered as
    data. Missing or bad credentials stay a top-level UNAUTHENTICATED error."""
    try:
        return await work()
    except Unauthenticated:
        raise
    except DomainError as error:
        info.context.uow.rollback_only = True
        return MutationError.of(error)
