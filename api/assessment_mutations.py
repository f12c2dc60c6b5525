"""Year-end feedback forms and unit evaluations (双考核): the steps, each all or nothing."""

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.assessment import FEEDBACK_FORM, NODE, UNIT_EVALUATION, Year
from api.context import Context
from api.ids import int_id
from api.registry import MEMBER, UNIT
from api.results import MutationError, run_step
from api.types.assessment import FeedbackFormType
from api.types.rules import FeedbackGradeType
from api.types.unit_evaluations import UnitEvaluationType
from policies.principal import Principal
from services.assessment import delivery, evaluations, forms, generation
from services.assessment.generation import Generated
from services.assessment.models import FeedbackForm
from tenants.rules.model import Grade


@strawberry.type(description="反馈表已生成：新生成的，按最新记录更新的草稿，以及已签发而保留不变的")
class GenerateFeedbackFormsSuccess:
    forms: list[FeedbackFormType] = strawberry.field(description="该社区该年度的反馈表")
    created: int = strawberry.field(description="新生成的份数")
    refreshed: int = strawberry.field(description="按最新记录更新的草稿份数")
    kept: int = strawberry.field(description="已签发、保留不变的份数")

    @classmethod
    def of(cls, generated: Generated) -> "GenerateFeedbackFormsSuccess":
        return cls(
            forms=[FeedbackFormType.from_model(f) for f in generated.rows],
            created=generated.created,
            refreshed=generated.refreshed,
            kept=generated.kept,
        )


@strawberry.type(description="反馈表已保存")
class FeedbackFormSuccess:
    form: FeedbackFormType


@strawberry.type(description="反馈表已办理")
class FeedbackFormsSuccess:
    forms: list[FeedbackFormType]


@strawberry.type(description="单位评价表已生成（或按最新记录重新计分）")
class EvaluateUnitsSuccess:
    evaluations: list[UnitEvaluationType] = strawberry.field(description="该社区该年度的评价表")
    created: int = strawberry.field(description="新生成的份数")
    refreshed: int = strawberry.field(description="重新计分的草稿份数")
    kept: int = strawberry.field(description="已签发、保留不变的份数")


@strawberry.type(description="评价表已保存")
class UnitEvaluationSuccess:
    evaluation: UnitEvaluationType


@strawberry.type(description="评价表已签发")
class UnitEvaluationsSuccess:
    evaluations: list[UnitEvaluationType]


GenerateFeedbackFormsResult = Annotated[
    GenerateFeedbackFormsSuccess | MutationError, strawberry.union("GenerateFeedbackFormsResult")
]
FeedbackFormResult = Annotated[
    FeedbackFormSuccess | MutationError, strawberry.union("FeedbackFormResult")
]
FeedbackFormsResult = Annotated[
    FeedbackFormsSuccess | MutationError, strawberry.union("FeedbackFormsResult")
]
EvaluateUnitsResult = Annotated[
    EvaluateUnitsSuccess | MutationError, strawberry.union("EvaluateUnitsResult")
]
UnitEvaluationResult = Annotated[
    UnitEvaluationSuccess | MutationError, strawberry.union("UnitEvaluationResult")
]
UnitEvaluationsResult = Annotated[
    UnitEvaluationsSuccess | MutationError, strawberry.union("UnitEvaluationsResult")
]


def _forms(found: list[FeedbackForm]) -> FeedbackFormsSuccess:
    return FeedbackFormsSuccess(forms=[FeedbackFormType.from_model(f) for f in found])


def _form_ids(ids: list[relay.GlobalID]) -> list[int]:
    return [int_id(i, FEEDBACK_FORM, "ids") for i in ids]


@strawberry.type
class AssessmentMutation:
    @strawberry.mutation(
        description="生成反馈表：为当年在该社区报到的每名党员（或所列党员）按平台记录预填一份；"
        "已有的草稿按最新记录更新，已签发的保留不变（社区）"
    )
    async def generate_feedback_forms(
        self,
        info: Info[Context, None],
        community_id: relay.GlobalID,
        year: Year,
        member_ids: Annotated[
            list[relay.GlobalID] | None,
            strawberry.argument(description="只为这些党员生成；不填为全部"),
        ] = None,
    ) -> GenerateFeedbackFormsResult:
        async def step(session: AsyncSession, principal: Principal) -> GenerateFeedbackFormsSuccess:
            generated = await generation.generate_forms(
                session,
                principal,
                community_id=int_id(community_id, NODE, "communityId"),
                year=year,
                member_ids=None
                if member_ids is None
                else [int_id(i, MEMBER, "memberIds") for i in member_ids],
            )
            return GenerateFeedbackFormsSuccess.of(generated)

        return await run_step(info, step)

    @strawberry.mutation(description="评定等次并填写评语（签发前；本县规则不允许的等次会说明原因）")
    async def grade_feedback_form(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        grade: FeedbackGradeType,  # type: ignore[valid-type]
        comment: Annotated[
            str | None, strawberry.argument(description="评语（500 字以内）")
        ] = None,
    ) -> FeedbackFormResult:
        async def step(session: AsyncSession, principal: Principal) -> FeedbackFormSuccess:
            form = await forms.grade_form(
                session,
                principal,
                int_id(id, FEEDBACK_FORM),
                grade=Grade(grade),
                comment=comment,
            )
            return FeedbackFormSuccess(form=FeedbackFormType.from_model(form))

        return await run_step(info, step)

    @strawberry.mutation(
        description="签发：社区书记签发该社区该年度全部待签发的反馈表（须都已评定等次）"
    )
    async def sign_off_feedback_forms(
        self, info: Info[Context, None], community_id: relay.GlobalID, year: Year
    ) -> FeedbackFormsResult:
        async def step(session: AsyncSession, principal: Principal) -> FeedbackFormsSuccess:
            return _forms(
                await forms.sign_off_forms(
                    session,
                    principal,
                    community_id=int_id(community_id, NODE, "communityId"),
                    year=year,
                )
            )

        return await run_step(info, step)

    @strawberry.mutation(
        description="撤回签发（重新打开）：社区书记说明原因后，反馈表回到待签发，"
        "已送达、已签收的须重新签发、送达"
    )
    async def reopen_feedback_form(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        reason: Annotated[str, strawberry.argument(description="原因（200 字以内）")],
    ) -> FeedbackFormResult:
        async def step(session: AsyncSession, principal: Principal) -> FeedbackFormSuccess:
            form = await forms.reopen_form(
                session, principal, int_id(id, FEEDBACK_FORM), reason=reason
            )
            return FeedbackFormSuccess(form=FeedbackFormType.from_model(form))

        return await run_step(info, step)

    @strawberry.mutation(description="送达：把已签发的反馈表送达党员年末所在单位（只能送达该单位）")
    async def deliver_feedback_forms(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[relay.GlobalID], strawberry.argument(description="反馈表（至多 500 份）")
        ],
        unit_id: Annotated[relay.GlobalID, strawberry.argument(description="送达的单位")],
    ) -> FeedbackFormsResult:
        async def step(session: AsyncSession, principal: Principal) -> FeedbackFormsSuccess:
            return _forms(
                await delivery.deliver_forms(
                    session,
                    principal,
                    form_ids=_form_ids(ids),
                    unit_id=int_id(unit_id, UNIT, "unitId"),
                )
            )

        return await run_step(info, step)

    @strawberry.mutation(description="签收：单位党组织签收送达本单位的反馈表")
    async def acknowledge_feedback_forms(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[relay.GlobalID], strawberry.argument(description="反馈表（至多 500 份）")
        ],
    ) -> FeedbackFormsResult:
        async def step(session: AsyncSession, principal: Principal) -> FeedbackFormsSuccess:
            return _forms(
                await delivery.acknowledge_forms(session, principal, form_ids=_form_ids(ids))
            )

        return await run_step(info, step)

    @strawberry.mutation(
        description="单位评价：为当年在该社区报到的每个单位生成评价表并按本县权重计分；"
        "草稿按最新记录重新计分（保留已认定的承诺履行），已签发的保留不变（社区）"
    )
    async def evaluate_units(
        self, info: Info[Context, None], community_id: relay.GlobalID, year: Year
    ) -> EvaluateUnitsResult:
        async def step(session: AsyncSession, principal: Principal) -> EvaluateUnitsSuccess:
            found = await evaluations.evaluate_units(
                session,
                principal,
                community_id=int_id(community_id, NODE, "communityId"),
                year=year,
            )
            return EvaluateUnitsSuccess(
                evaluations=[UnitEvaluationType.from_model(e) for e in found.rows],
                created=found.created,
                refreshed=found.refreshed,
                kept=found.kept,
            )

        return await run_step(info, step)

    @strawberry.mutation(description="认定协议承诺履行情况并填写社区意见（签发前）；得分随之重算")
    async def assess_unit_evaluation(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        commitments_met: Annotated[
            list[int], strawberry.argument(description="已履行的承诺的序号（从 1 起）")
        ],
        comment: Annotated[
            str | None, strawberry.argument(description="社区意见（500 字以内）")
        ] = None,
    ) -> UnitEvaluationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitEvaluationSuccess:
            found = await evaluations.assess_evaluation(
                session,
                principal,
                int_id(id, UNIT_EVALUATION),
                commitments_met=commitments_met,
                comment=comment,
            )
            return UnitEvaluationSuccess(evaluation=UnitEvaluationType.from_model(found))

        return await run_step(info, step)

    @strawberry.mutation(description="签发：社区书记签发该社区该年度全部待签发的单位评价表")
    async def sign_off_unit_evaluations(
        self, info: Info[Context, None], community_id: relay.GlobalID, year: Year
    ) -> UnitEvaluationsResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitEvaluationsSuccess:
            found = await evaluations.sign_off_evaluations(
                session,
                principal,
                community_id=int_id(community_id, NODE, "communityId"),
                year=year,
            )
            return UnitEvaluationsSuccess(
                evaluations=[UnitEvaluationType.from_model(e) for e in found]
            )

        return await run_step(info, step)

    @strawberry.mutation(description="撤回签发（重新打开）单位评价表：社区书记说明原因")
    async def reopen_unit_evaluation(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        reason: Annotated[str, strawberry.argument(description="原因（200 字以内）")],
    ) -> UnitEvaluationResult:
        async def step(session: AsyncSession, principal: Principal) -> UnitEvaluationSuccess:
            found = await evaluations.reopen_evaluation(
                session, principal, int_id(id, UNIT_EVALUATION), reason=reason
            )
            return UnitEvaluationSuccess(evaluation=UnitEvaluationType.from_model(found))

        return await run_step(info, step)
