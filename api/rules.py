"""Queries and mutations of a county's rules."""

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.results import MutationError, attempt
from api.types.rules import RulesInput, RulesType, RulesVersionType
from tenants.rules import service


@strawberry.type(description="规则已保存，到生效日期起作用")
class RulesSuccess:
    version: RulesVersionType = strawberry.field(description="新保存的规则版本")


RulesResult = Annotated[RulesSuccess | MutationError, strawberry.union("RulesResult")]


@strawberry.type
class RulesQuery:
    @strawberry.field(description="某一天起作用的本县（区）规则；县（区）未设置过时为平台默认规则")
    async def rules(
        self,
        info: Info[Context, None],
        on: Annotated[
            date | None, strawberry.argument(description="哪一天（北京时间），默认今天")
        ] = None,
    ) -> RulesType:
        principal = await info.context.principal()
        in_force = await service.read_rules(await info.context.session(), principal, on=on)
        version = in_force.version
        return RulesType.of(in_force.rules, None if version is None else version.effective_from)

    @strawberry.field(description="本县（区）规则的历次版本，最近设置的在前")
    async def rules_history(
        self,
        info: Info[Context, None],
        first: Annotated[int, strawberry.argument(description="本页条数，1 到 100")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="从哪一条之后（上一页的 endCursor）")
        ] = None,
    ) -> relay.Connection[RulesVersionType]:
        principal = await info.context.principal()
        session = await info.context.session()
        result = await service.history(session, principal, page(first, after))
        return connection(result, RulesVersionType.from_model, lambda v: (v.id,))


@strawberry.type
class RulesMutation:
    @strawberry.mutation(
        description="设置本县（区）从某天起的规则（整版替换）；生效日期不能早于今天，"
        "已过去的时段仍按当时的规则评定"
    )
    async def set_rules(
        self,
        info: Info[Context, None],
        effective_from: Annotated[
            date, strawberry.argument(description="生效日期（北京时间），不能早于今天")
        ],
        rules: Annotated[RulesInput, strawberry.argument(description="这一版的全部规则")],
        note: Annotated[
            str | None, strawberry.argument(description="修改说明，不超过 200 个字")
        ] = None,
    ) -> RulesResult:
        async def work() -> RulesSuccess:
            principal = await info.context.principal()
            version = await service.set_rules(
                await info.context.session(),
                principal,
                effective_from=effective_from,
                rules=rules.to_rules(),
                note=note,
            )
            return RulesSuccess(version=RulesVersionType.from_model(version))

        return await attempt(info, work)
