"""A unit evaluation's score: five measures, each a share of what was asked (at most all
of it), weighed by the county's rules into points out of 100, each with its reason in
words a county clerk reads.

- 集体服务活动: finished collective activities against the quarterly quota, for each
  quarter the registration touched in the year;
- 项目认领: projects claimed and completed against the yearly quota (half each);
- 协议承诺履行: the agreement's commitments the community found met;
- 党员报到率: the unit's members on the register registered where they live;
- 党员服务指标达标率: of those, the ones meeting every quota of the days covered.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from services.assessment.unit_figures import UnitFigures
from tenants.rules.model import WEIGHT_NAMES, Rules

RATIO = Decimal("0.0001")
POINTS = Decimal("0.01")
COMMITMENT_KINDS = {
    "responsibility": "共建责任",
    "resource": "提供资源",
    "project": "认领项目",
}


def quarters_touched(first: date, last: date) -> int:
    return (last.month - 1) // 3 - (first.month - 1) // 3 + 1


def _share(done: int | Decimal, asked: int | Decimal) -> Decimal:
    if asked <= 0:
        return Decimal(1)
    return min(Decimal(1), Decimal(done) / Decimal(asked))


def measure(
    name: str, done: Any, required: Any, ratio: Decimal, weight: int, reason: str
) -> dict[str, Any]:
    points = (weight * ratio).quantize(POINTS, ROUND_HALF_UP)
    return {
        "measure": name,
        "label": WEIGHT_NAMES[name],
        "done": str(done),
        "required": str(required),
        "ratio": str(ratio.quantize(RATIO, ROUND_HALF_UP)),
        "weight": weight,
        "points": str(points),
        "reason": f"{reason}，得 {points} 分（满分 {weight} 分）",
    }


def commitments_of(figures: UnitFigures, kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The agreement's commitments, each marked met as the community last found it."""
    agreement = figures.agreement
    if agreement is None:
        return []
    met = {(c["kind"], c["text"]) for c in kept if c["met"]}
    items = [
        *(("responsibility", text) for text in agreement.responsibilities),
        *(("resource", text) for text in agreement.resources),
        *(("project", text) for text in agreement.projects),
    ]
    return [{"kind": kind, "text": text, "met": (kind, text) in met} for kind, text in items]


def commitments_measure(
    commitments: list[dict[str, Any]], has_agreement: bool, weight: int
) -> dict[str, Any]:
    total, met = len(commitments), sum(1 for c in commitments if c["met"])
    if not has_agreement:
        return measure("commitments", 0, 0, Decimal(0), weight, "未签订共驻共建协议")
    if not total:
        return measure("commitments", 0, 0, Decimal(1), weight, "协议未列明具体承诺")
    reason = f"协议承诺 {total} 项，社区认定已履行 {met} 项"
    return measure("commitments", met, total, _share(met, total), weight, reason)


def measures(
    figures: UnitFigures,
    commitments: list[dict[str, Any]],
    rules: Rules,
    first: date,
    last: date,
) -> list[dict[str, Any]]:
    weights = rules.assessment.unit_weights
    quotas = rules.unit_quotas
    quarters = quarters_touched(first, last)
    asked = quotas.activities_per_quarter * quarters
    done = figures.collective_activities
    activities = measure(
        "collective_activities",
        done,
        asked,
        _share(done, asked),
        weights.collective_activities,
        f"开展集体服务活动 {done} 次，应开展 {asked} 次"
        f"（每季度 {quotas.activities_per_quarter} 次，共 {quarters} 个季度）",
    )
    wanted = quotas.projects_per_year
    claimed, completed = figures.claimed, figures.completed
    ratio = (_share(claimed, wanted) + _share(completed, wanted)) / 2
    projects = measure(
        "projects",
        completed,
        wanted,
        ratio,
        weights.projects,
        f"认领项目 {claimed} 个、完成 {completed} 个，每年应认领 {wanted} 个",
    )
    if figures.members:
        reason = f"在册党员 {figures.members} 名，已到社区报到 {figures.registered} 名"
        share = _share(figures.registered, figures.members)
    else:
        reason, share = "单位名册中没有在册党员", Decimal(0)
    registration = measure(
        "registration", figures.registered, figures.members, share, weights.registration, reason
    )
    if figures.registered:
        reason = f"已报到党员 {figures.registered} 名中 {figures.compliant} 名达到服务指标"
        share = _share(figures.compliant, figures.registered)
    else:
        reason, share = "没有已报到的党员", Decimal(0)
    compliance = measure(
        "compliance", figures.compliant, figures.registered, share, weights.compliance, reason
    )
    agreed = commitments_measure(commitments, figures.agreement is not None, weights.commitments)
    return [activities, projects, agreed, registration, compliance]


def score(found: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(m["points"]) for m in found), Decimal(0)).quantize(POINTS)
