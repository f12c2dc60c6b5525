"""An operation's writes commit only when it succeeded, and its connection is released."""

import pytest
import strawberry
from sqlalchemy import select
from starlette.requests import Request
from strawberry.types import Info

from api.context import Context
from api.errors import ErrorPresentation
from api.unit_of_work import UnitOfWorkExtension
from infra.db import Database
from infra.errors import DomainError
from infra.personal_data import PersonalData
from infra.settings import Settings
from services.events.models import Event
from services.events.service import record_event
from services.identity.credentials import IdentityConfig
from tests.conftest import MakeTenant


class ClaimRefused(DomainError):
    code = "CLAIM_REFUSED"


@strawberry.type
class Query:
    ping: bool = True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def claim(self, info: Info[Context, None], outcome: str) -> bool:
        session = await info.context.session()
        await record_event(session, type="project.claimed")
        if outcome == "refused":
            raise ClaimRefused("项目名额已满")
        if outcome == "fault":
            raise RuntimeError("disk on fire")
        if outcome == "rollback_only":
            info.context.uow.rollback_only = True
        return True


schema = strawberry.Schema(
    query=Query, mutation=Mutation, extensions=[ErrorPresentation, UnitOfWorkExtension]
)


async def _claim(db: Database, settings: Settings, county: str, outcome: str) -> list[str]:
    context = Context(
        request=Request({"type": "http", "headers": []}),
        settings=settings,
        identity=IdentityConfig.from_settings(settings),
        personal=PersonalData.from_settings(settings),
        uow=db.unit_of_work(),
        county_code=county,
    )
    result = await schema.execute(
        "mutation($o: String!) { claim(outcome: $o) }",
        variable_values={"o": outcome},
        context_value=context,
    )
    assert not context.uow.started, "the session is released after the operation"
    return [e.message for e in result.errors or []]


@pytest.mark.parametrize(
    ("outcome", "errors", "events"),
    [
        ("ok", [], 1),
        ("refused", ["项目名额已满"], 0),
        ("fault", ["服务器内部错误，请稍后再试；如持续出现，请联系平台管理员"], 0),
        ("rollback_only", [], 0),
    ],
)
async def test_writes_last_only_when_the_operation_succeeds(
    db: Database,
    settings: Settings,
    make_tenant: MakeTenant,
    outcome: str,
    errors: list[str],
    events: int,
) -> None:
    tenant = await make_tenant(county_code="130123")
    assert await _claim(db, settings, "130123", outcome) == errors
    async with db.tenant_session(tenant.id) as session:
        assert len((await session.execute(select(Event))).all()) == events
