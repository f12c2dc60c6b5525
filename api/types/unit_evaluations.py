"""评价表 as clients see it: the unit evaluation with each measure's points and reason, the
agreement's commitments and whether the community found each met, its history and PDF."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.assessment_loaders import assessment_loaders
from api.context import Context
from api.types.assessment import AssessmentChangeType
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registration import Document
from api.types.registry import UnitType, load_unit
from services.assessment import documents
from services.assessment.measures import COMMITMENT_KINDS
from services.assessment.models import EVALUATION_STATUS_NAMES, EvaluationStatus, UnitEvaluation

UnitEvaluationStatusType = strawberry.enum(
    EvaluationStatus, name="UnitEvaluationStatus", description="评价表状态：待签发、已签发"
)


@strawberry.type(
    name="UnitEvaluationMeasure", description="评价表的一项：完成情况、权重、得分及理由"
)
class UnitEvaluationMeasureType:
    measure: str = strawberry.field(
        description="项目代码：collective_activities、projects、commitments、registration、"
        "compliance"
    )
    label: str = strawberry.field(description="项目名称")
    done: str = strawberry.field(description="完成数")
    required: str = strawberry.field(description="应完成数（基数）")
    ratio: Decimal = strawberry.field(description="完成比例，0 到 1")
    weight: int = strawberry.field(description="权重（满分）")
    points: Decimal = strawberry.field(description="得分")
    reason: str = strawberry.field(description="得分理由")

    @classmethod
    def of(cls, found: dict[str, Any]) -> "UnitEvaluationMeasureType":
        return cls(
            measure=found["measure"],
            label=found["label"],
            done=found["done"],
            required=found["required"],
            ratio=Decimal(found["ratio"]),
            weight=found["weight"],
            points=Decimal(found["points"]),
            reason=found["reason"],
        )


@strawberry.type(
    name="UnitCommitment", description="共驻共建协议中的一项承诺，及社区认定的履行情况"
)
class UnitCommitmentType:
    number: int = strawberry.field(description="序号（从 1 起）")
    kind: str = strawberry.field(description="类别代码：responsibility、resource、project")
    kind_name: str = strawberry.field(description="类别：共建责任、提供资源、认领项目")
    text: str = strawberry.field(description="承诺内容")
    met: bool = strawberry.field(description="社区认定已履行")


@strawberry.type(
    name="UnitEvaluation",
    description="单位党组织到社区报到服务评价表：社区对在本社区报到的单位的年度评价，"
    "按本县权重计分，每项附理由",
)
class UnitEvaluationType(relay.Node):
    id: relay.NodeID[int]
    year: int = strawberry.field(description="年度")
    status: UnitEvaluationStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    status_name: str = strawberry.field(description="状态（中文）")
    covers_from: date = strawberry.field(description="评价期间起")
    covers_to: date = strawberry.field(description="评价期间止")
    score: Decimal = strawberry.field(description="综合得分（满分 100）")
    measures: list[UnitEvaluationMeasureType] = strawberry.field(description="各项得分及理由")
    commitments: list[UnitCommitmentType] = strawberry.field(description="协议承诺及履行情况")
    comment: str | None = strawberry.field(description="社区意见")
    figures_at: datetime = strawberry.field(description="数据读取时间（签发后不再更新）")
    signed_off_at: datetime | None = strawberry.field(description="签发时间")
    signed_off_by_name: str | None = strawberry.field(description="签发人")
    reopened_count: int = strawberry.field(description="签发后被撤回的次数")
    model: strawberry.Private[UnitEvaluation]

    @classmethod
    def from_model(cls, evaluation: UnitEvaluation) -> "UnitEvaluationType":
        return cls(
            id=evaluation.id,
            year=evaluation.year,
            status=evaluation.status,
            status_name=EVALUATION_STATUS_NAMES[evaluation.status],
            covers_from=evaluation.covers_from,
            covers_to=evaluation.covers_to,
            score=evaluation.score,
            measures=[UnitEvaluationMeasureType.of(m) for m in evaluation.measures],
            commitments=[
                UnitCommitmentType(
                    number=i,
                    kind=c["kind"],
                    kind_name=COMMITMENT_KINDS[c["kind"]],
                    text=c["text"],
                    met=c["met"],
                )
                for i, c in enumerate(evaluation.commitments, start=1)
            ],
            comment=evaluation.comment,
            figures_at=evaluation.figures_at,
            signed_off_at=evaluation.signed_off_at,
            signed_off_by_name=evaluation.signed_off_by_name,
            reopened_count=evaluation.reopened_count,
            model=evaluation,
        )

    @strawberry.field(description="被评价的单位")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.model.unit_id)

    @strawberry.field(description="评价的社区")
    async def community(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.model.community_id)

    @strawberry.field(description="办理记录，按时间先后")
    async def history(self, info: Info[Context, None]) -> list[AssessmentChangeType]:
        changes = await assessment_loaders(info).evaluation_history.load(self.model.id)
        return [AssessmentChangeType.of(change) for change in changes]

    @strawberry.field(description="评价表（PDF，A4，含社区盖章处）")
    async def pdf(self, info: Info[Context, None]) -> Document:
        session = await info.context.uow.session()
        content = await documents.evaluation_pdf(session, self.model)
        return Document.pdf(f"单位评价表-{self.model.year}-{self.model.id}.pdf", content)
