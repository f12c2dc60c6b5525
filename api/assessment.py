"""Year-end feedback forms and unit evaluations (双考核): what clients read."""

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.registry import MEMBER, UNIT, subtree
from api.types.assessment import (
    FeedbackFormStatusType,
    FeedbackFormType,
    FeedbackProgressType,
    workbook,
)
from api.types.registration import Document
from api.types.rules import FeedbackGradeType
from api.types.unit_evaluations import UnitEvaluationStatusType, UnitEvaluationType
from services.assessment import views
from services.assessment.models import EvaluationStatus, FormStatus
from services.assessment.repository import EvaluationFilter, FormFilter
from services.assessment.workbook import unit_workbook
from tenants.rules.model import Grade

FEEDBACK_FORM = "FeedbackForm"
UNIT_EVALUATION = "UnitEvaluation"
NODE = "HierarchyNode"

Year = Annotated[int, strawberry.argument(description="年度，如 2025")]


def optional_id(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    return None if value is None else int_id(value, type_name, field)


@strawberry.type
class AssessmentQuery:
    @strawberry.field(
        description="一份表现反馈表（社区工作人员看其范围内的；单位党组织看送达本单位的；"
        "党员看送达后的本人的）"
    )
    async def feedback_form(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> FeedbackFormType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        form = await views.read_form(session, principal, int_id(id, FEEDBACK_FORM))
        return FeedbackFormType.from_model(form)

    @strawberry.field(
        description="表现反馈表，按生成先后：工作人员看其范围内社区的；单位党组织看送达本单位的；"
        "党员看送达后的本人的"
    )
    async def feedback_forms(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        year: Annotated[int | None, strawberry.argument(description="年度")] = None,
        within: Annotated[
            relay.GlobalID | None, strawberry.argument(description="区划范围")
        ] = None,
        community_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="填写的社区")
        ] = None,
        unit_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="党员年末所在单位")
        ] = None,
        member_id: relay.GlobalID | None = None,
        status: FeedbackFormStatusType | None = None,  # type: ignore[valid-type]
        grade: FeedbackGradeType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[FeedbackFormType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = FormFilter(
            year=year,
            within=await subtree(info, within),
            community_id=optional_id(community_id, NODE, "communityId"),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            member_id=optional_id(member_id, MEMBER, "memberId"),
            status=None if status is None else FormStatus(status),
            grade=None if grade is None else Grade(grade),
        )
        result = await views.list_forms(session, principal, page(first, after), where)
        return connection(result, FeedbackFormType.from_model, lambda f: (f.id,))

    @strawberry.field(description="社区一个年度反馈表的办理进度和签发截止日")
    async def feedback_progress(
        self, info: Info[Context, None], community_id: relay.GlobalID, year: Year
    ) -> FeedbackProgressType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await views.progress(
            session,
            principal,
            community_id=int_id(community_id, NODE, "communityId"),
            year=year,
        )
        return FeedbackProgressType.of(found)

    @strawberry.field(
        description="一个单位的党员一个年度的全部表现反馈表（Excel 工作簿 .xlsx，Base64）："
        "单位党组织为送达本单位的，工作人员为其范围内社区填写的"
    )
    async def unit_feedback_workbook(
        self, info: Info[Context, None], unit_id: relay.GlobalID, year: Year
    ) -> Document:
        principal, session = await info.context.principal(), await info.context.uow.session()
        unit, forms = await views.unit_forms(
            session, principal, int_id(unit_id, UNIT, "unitId"), year
        )
        content = await unit_workbook(session, unit, year, forms)
        return workbook(f"表现反馈表-{unit.name}-{year}.xlsx", content)

    @strawberry.field(
        description="一份单位评价表（工作人员看其范围内的；单位党组织看本单位已签发的）"
    )
    async def unit_evaluation(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> UnitEvaluationType:
        principal, session = await info.context.principal(), await info.context.uow.session()
        found = await views.read_evaluation(session, principal, int_id(id, UNIT_EVALUATION))
        return UnitEvaluationType.from_model(found)

    @strawberry.field(
        description="单位评价排名：一个年度的单位评价表，得分高的在前（同分时新的在前），"
        "每项附得分理由"
    )
    async def unit_evaluations(
        self,
        info: Info[Context, None],
        year: Year,
        first: int = 20,
        after: str | None = None,
        within: Annotated[
            relay.GlobalID | None, strawberry.argument(description="区划范围")
        ] = None,
        community_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="评价的社区")
        ] = None,
        unit_id: relay.GlobalID | None = None,
        status: UnitEvaluationStatusType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[UnitEvaluationType]:
        principal, session = await info.context.principal(), await info.context.uow.session()
        where = EvaluationFilter(
            year=year,
            within=await subtree(info, within),
            community_id=optional_id(community_id, NODE, "communityId"),
            unit_id=optional_id(unit_id, UNIT, "unitId"),
            status=None if status is None else EvaluationStatus(status),
        )
        result = await views.list_evaluations(session, principal, page(first, after), where)
        return connection(result, UnitEvaluationType.from_model, lambda e: (e.score, e.id))
