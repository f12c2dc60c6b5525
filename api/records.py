"""Queries and mutations of service records: recording, confirming, correcting, totals."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.results import MutationError, Step, run_step
from api.types.records import (
    WHISTLE_RESPONSE,
    NoticedServiceRecordType,
    ServiceRecordSourceType,
    ServiceRecordStatusType,
    ServiceRecordType,
    ServiceTotalsType,
    UnitServiceTotalsType,
)
from infra.errors import InvalidInput
from policies.principal import Principal
from services.records import decisions, notice, sources, totals, views
from services.records.models import RecordSource, RecordStatus, ServiceRecord
from services.records.origins import SOURCE_FIELDS, RecordRequest
from services.records.repository import RecordFilter

SERVICE_RECORD = "ServiceRecord"
ACTIVITY = "Activity"
PROJECT_CLAIM = "ProjectClaim"
WISH = "Wish"


def _optional(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else int_id(value, type_name, field)


@strawberry.input(
    name="ServiceRecordSourceInput",
    one_of=True,
    description="服务从何而来（只填一项）：已完成的项目认领、已确认的微心愿、已接受的吹哨召集、"
    "已结束的活动（补记未签到的党员），或组织方所在节点（组织方登记）",
)
class ServiceRecordSourceInput:
    project_claim_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="党员的项目认领（须社区已确认完成）"
    )
    wish_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="微心愿（须社区已确认完成）"
    )
    whistle_response_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="党员对吹哨召集的回应（须已接受，且召集已开始）"
    )
    activity_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="已结束的志愿活动（为参加了但未签到的党员补记）"
    )
    node_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET,
        description="组织方登记：组织服务的社区、街道等（党员须在其范围内的社区报到）",
    )

    def which(self) -> tuple[RecordSource, int]:
        chosen = [
            (source, value, type_name)
            for source, value, type_name in (
                (RecordSource.PROJECT_CLAIM, self.project_claim_id, PROJECT_CLAIM),
                (RecordSource.WISH, self.wish_id, WISH),
                (RecordSource.WHISTLE_CALL, self.whistle_response_id, WHISTLE_RESPONSE),
                (RecordSource.ACTIVITY, self.activity_id, ACTIVITY),
                (RecordSource.ENTERED, self.node_id, NODE),
            )
            if value is not None and value is not strawberry.UNSET
        ]
        # GraphQL's @oneOf already refuses anything but exactly one.
        if len(chosen) != 1:
            raise InvalidInput("「来源」应只填一项", field="source")
        [(source, value, type_name)] = chosen
        field = SOURCE_FIELDS[source]
        return source, int_id(value, type_name, field)


@strawberry.input(name="ServiceRecordInput", description="一次服务，由组织方记录（待确认）")
class ServiceRecordInput:
    source: ServiceRecordSourceInput = strawberry.field(description="服务的来源")
    member_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="服务的党员：活动补记和组织方登记必填；其他来源可不填（填则须与来源一致）",
    )
    started_at: datetime | None = strawberry.field(
        default=None,
        description="开始时间；吹哨召集和活动默认为其开始时间，其他来源必填；未写时区的按北京时间",
    )
    ended_at: datetime | None = strawberry.field(
        default=None, description="结束时间（晚于开始时间，不晚于现在）；默认同上"
    )
    hours: Decimal | None = strawberry.field(
        default=None,
        description="计入的时长（小时）：不填按本县规则计算；填写时不得超过实际服务时间和本县上限",
    )
    title: str | None = strawberry.field(
        default=None,
        description="服务内容：组织方登记必填（不超过 50 个字）；其他来源取自来源，不填",
    )
    post_category: str | None = strawberry.field(
        default=None, description="岗位类别：组织方登记可选，须为本县的岗位类别之一"
    )
    note: str | None = strawberry.field(default=None, description="备注，不超过 200 个字")

    def request(self) -> RecordRequest:
        source, source_id = self.source.which()
        return RecordRequest(
            source=source,
            source_id=source_id,
            member_id=_optional(self.member_id, MEMBER, "memberId"),
            started_at=self.started_at,
            ended_at=self.ended_at,
            hours=self.hours,
            title=self.title,
            post_category=self.post_category,
            note=self.note,
        )


@strawberry.type(description="服务记录已保存")
class ServiceRecordSuccess:
    record: ServiceRecordType


@strawberry.type(description="服务记录已确认")
class ServiceRecordsSuccess:
    records: list[ServiceRecordType]


ServiceRecordResult = Annotated[
    ServiceRecordSuccess | MutationError, strawberry.union("ServiceRecordResult")
]
ServiceRecordsResult = Annotated[
    ServiceRecordsSuccess | MutationError, strawberry.union("ServiceRecordsResult")
]


async def _run(
    info: Info[Context, None], step: Step[ServiceRecord]
) -> ServiceRecordSuccess | MutationError:
    async def saved(session: AsyncSession, principal: Principal) -> ServiceRecordSuccess:
        return ServiceRecordSuccess(
            record=ServiceRecordType.from_model(await step(session, principal))
        )

    return await run_step(info, saved)


@strawberry.type
class ServiceRecordQuery:
    @strawberry.field(
        description="一条服务记录（组织方工作人员在其范围内；单位管理员看本单位党员的和本单位"
        "组织的；党员看自己的）"
    )
    async def service_record(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> ServiceRecordType:
        principal, session = await info.context.principal(), await info.context.session()
        record = await views.read_record(session, principal, int_id(id, SERVICE_RECORD))
        return ServiceRecordType.from_model(record)

    @strawberry.field(
        description="服务记录，服务时间新的在前：工作人员看其范围内组织的；单位管理员看本单位"
        "党员的和本单位组织的；党员看自己的"
    )
    async def service_records(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        within: Annotated[
            relay.GlobalID | None, strawberry.argument(description="组织方在此节点及其下级")
        ] = None,
        member_id: Annotated[relay.GlobalID | None, strawberry.argument(description="党员")] = None,
        unit_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="该单位党组织的党员")
        ] = None,
        status: ServiceRecordStatusType | None = None,  # type: ignore[valid-type]
        source: ServiceRecordSourceType | None = None,  # type: ignore[valid-type]
        from_: Annotated[
            date | None, strawberry.argument(name="from", description="服务日期不早于")
        ] = None,
        to: Annotated[date | None, strawberry.argument(description="服务日期不晚于")] = None,
        to_confirm: Annotated[
            bool,
            strawberry.argument(description="只列调用者作为组织方可以确认的：待确认且公示期已满"),
        ] = False,
    ) -> relay.Connection[ServiceRecordType]:
        principal, session = await info.context.principal(), await info.context.session()
        where = RecordFilter(
            within=await subtree(info, within),
            member_id=_optional(member_id, MEMBER, "memberId"),
            unit_id=_optional(unit_id, UNIT, "unitId"),
            status=None if status is None else RecordStatus(status),
            source=None if source is None else RecordSource(source),
            from_day=from_,
            to_day=to,
        )
        result = await views.list_records(
            session, principal, page(first, after), where, confirming=to_confirm
        )
        return connection(result, ServiceRecordType.from_model, lambda r: (r.started_at, r.id))

    @strawberry.field(
        description="公示中的服务记录（公示期内、待确认），组织方在该节点及其下级：供该节点的"
        "工作人员和在该社区报到的单位、党员核实，有异议可向组织方反映"
    )
    async def service_records_on_notice(
        self,
        info: Info[Context, None],
        node_id: Annotated[relay.GlobalID, strawberry.argument(description="社区或其上级节点")],
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[NoticedServiceRecordType]:
        principal, session = await info.context.principal(), await info.context.session()
        node = int_id(node_id, NODE, "nodeId")
        result = await notice.on_notice(session, principal, node, page(first, after))
        return connection(
            result, NoticedServiceRecordType.from_model, lambda r: (r.started_at, r.id)
        )

    @strawberry.field(
        description="党员一年的服务时长统计（本人，或有权查看该党员者）：全年、半年、季度、月，"
        "累计时长与星级，本县考核指标的完成情况"
    )
    async def service_totals(
        self,
        info: Info[Context, None],
        year: int,
        member_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="党员；不填为本人")
        ] = None,
    ) -> ServiceTotalsType:
        principal, session = await info.context.principal(), await info.context.session()
        member = _optional(member_id, MEMBER, "memberId")
        return ServiceTotalsType.of(await totals.member_totals(session, principal, member, year))

    @strawberry.field(
        description="单位党组织一年的服务统计（本单位管理员，或有权查看其服务记录的工作人员）："
        "在册党员每季度的服务时长，集体服务活动与本县每季度指标"
    )
    async def unit_service_totals(
        self, info: Info[Context, None], unit_id: relay.GlobalID, year: int
    ) -> UnitServiceTotalsType:
        principal, session = await info.context.principal(), await info.context.session()
        unit = int_id(unit_id, UNIT, "unitId")
        return UnitServiceTotalsType.of(await totals.unit_totals(session, principal, unit, year))


@strawberry.type
class ServiceRecordMutation:
    @strawberry.mutation(
        description="组织方记录一次服务（待确认）：来自已完成的项目认领、已确认的微心愿、"
        "已接受的吹哨召集、已结束的活动，或组织方直接登记；时长按本县规则计算和核对"
    )
    async def record_service(
        self, info: Info[Context, None], input: ServiceRecordInput
    ) -> ServiceRecordResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceRecord:
            return await sources.record_service(session, principal, input.request())

        return await _run(info, step)

    @strawberry.mutation(
        description="组织方批量确认服务记录（1 到 200 条，全部确认或都不确认；公示期满后方可确认）"
    )
    async def confirm_service_records(
        self,
        info: Info[Context, None],
        ids: list[relay.GlobalID],
        note: Annotated[
            str | None, strawberry.argument(description="确认说明，不超过 200 个字")
        ] = None,
    ) -> ServiceRecordsResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceRecordsSuccess:
            record_ids = [int_id(i, SERVICE_RECORD, "ids") for i in ids]
            records = await decisions.confirm_records(session, principal, record_ids, note=note)
            return ServiceRecordsSuccess(records=[ServiceRecordType.from_model(r) for r in records])

        return await run_step(info, step)

    @strawberry.mutation(description="组织方确认一条服务记录（公示期满后方可确认）")
    async def confirm_service_record(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        note: Annotated[
            str | None, strawberry.argument(description="确认说明，不超过 200 个字")
        ] = None,
    ) -> ServiceRecordResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceRecord:
            record_id = int_id(id, SERVICE_RECORD)
            return await decisions.confirm_record(session, principal, record_id, note=note)

        return await _run(info, step)

    @strawberry.mutation(
        description="组织方对服务记录不予确认（须写明理由；公示期内也可，视为异议成立）"
    )
    async def decline_service_record(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        reason: Annotated[str, strawberry.argument(description="理由，不超过 200 个字")],
    ) -> ServiceRecordResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceRecord:
            record_id = int_id(id, SERVICE_RECORD)
            return await decisions.decline_record(session, principal, record_id, reason=reason)

        return await _run(info, step)

    @strawberry.mutation(
        description="组织方更正服务记录的时间或时长（待确认或已确认的；生成新版本，记下谁、何时、"
        "为何；状态不变）"
    )
    async def correct_service_record(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        reason: Annotated[str, strawberry.argument(description="更正原因，不超过 200 个字")],
        started_at: Annotated[
            datetime | None, strawberry.argument(description="新的开始时间；不填不变")
        ] = None,
        ended_at: Annotated[
            datetime | None, strawberry.argument(description="新的结束时间；不填不变")
        ] = None,
        hours: Annotated[
            Decimal | None,
            strawberry.argument(description="新的时长（小时）；不填按本县规则重新计算"),
        ] = None,
    ) -> ServiceRecordResult:
        async def step(session: AsyncSession, principal: Principal) -> ServiceRecord:
            return await decisions.correct_record(
                session,
                principal,
                int_id(id, SERVICE_RECORD),
                reason=reason,
                started_at=started_at,
                ended_at=ended_at,
                hours=hours,
            )

        return await _run(info, step)
