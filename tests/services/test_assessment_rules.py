"""The assessment's rules as plain arithmetic: which grades a form allows and why not,
a unit's measures and score by the county's weights, the reminder thresholds, the
windows a registration covers."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from services.assessment.grading import grade_options
from services.assessment.measures import (
    commitments_measure,
    commitments_of,
    measures,
    quarters_touched,
    score,
)
from services.assessment.schedule import reminder_due
from services.assessment.unit_figures import UnitFigures
from services.assessment.windows import _windows
from tenants.rules.model import Grade, Rules


def form(hours: str, *checks: tuple[str, bool]) -> Any:
    return SimpleNamespace(
        service_hours=Decimal(hours),
        quota_checks=[
            {
                "period_name": name,
                "min_hours": "10",
                "min_times": 2,
                "hours": hours,
                "times": 1,
                "met": met,
            }
            for name, met in checks
        ],
    )


def test_a_member_short_of_a_quota_is_graded_at_most_the_ceiling_with_the_reason() -> None:
    rules = Rules.parse({"assessment": {"missed_quota_ceiling": "poor"}})
    options = grade_options(form("4.5", ("2025年第一季度", True), ("2025年第二季度", False)), rules)
    assert [(o.grade, o.allowed) for o in options] == [
        (Grade.EXCELLENT, False),
        (Grade.GOOD, False),
        (Grade.FAIR, False),
        (Grade.POOR, True),
    ]
    assert options[1].reason == (
        "未达到服务指标（2025年第二季度服务 4.5 小时、1 次，要求至少 10 小时、2 次），"
        "最高可评为“不合格”"
    )


def test_every_grade_is_open_to_a_member_who_met_the_quotas_without_an_hours_minimum() -> None:
    options = grade_options(form("0", ("2025年", True)), Rules())
    assert all(o.allowed and o.reason is None for o in options)


@pytest.mark.parametrize(
    ("first", "last", "quarters"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), 4),
        (date(2025, 3, 31), date(2025, 4, 1), 2),
        (date(2025, 7, 1), date(2025, 9, 30), 1),
        (date(2025, 11, 15), date(2025, 12, 31), 1),
    ],
)
def test_a_registration_asks_for_the_quarters_it_touched(
    first: date, last: date, quarters: int
) -> None:
    assert quarters_touched(first, last) == quarters


def test_a_unit_scores_each_measure_by_the_weights_and_says_why() -> None:
    rules = Rules.parse(
        {
            "unit_quotas": {"activities_per_quarter": 0, "projects_per_year": 4},
            "assessment": {
                "unit_weights": {
                    "collective_activities": 10,
                    "projects": 40,
                    "commitments": 10,
                    "registration": 20,
                    "compliance": 20,
                }
            },
        }
    )
    figures = UnitFigures(claimed=5, completed=1, members=4, registered=3, compliant=2)
    found = measures(figures, [], rules, date(2025, 1, 1), date(2025, 12, 31))
    assert [(m["measure"], m["ratio"], m["points"]) for m in found] == [
        # Nothing asked: all of it.
        ("collective_activities", "1.0000", "10.00"),
        # Claimed 5 of 4 (capped), completed 1 of 4: (1 + 0.25) / 2.
        ("projects", "0.6250", "25.00"),
        ("commitments", "0.0000", "0.00"),
        ("registration", "0.7500", "15.00"),
        ("compliance", "0.6667", "13.33"),
    ]
    assert score(found) == Decimal("63.33")
    assert found[2]["reason"] == "未签订共驻共建协议，得 0.00 分（满分 10 分）"


def test_commitments_found_met_stay_met_when_the_agreement_is_read_again() -> None:
    agreement = SimpleNamespace(
        responsibilities=["每季度一次活动"], resources=["会议室"], projects=["线路宣传"]
    )
    figures = UnitFigures(agreement=agreement)  # type: ignore[arg-type]
    kept = [{"kind": "resource", "text": "会议室", "met": True}]
    found = commitments_of(figures, kept)
    assert [(c["kind"], c["met"]) for c in found] == [
        ("responsibility", False),
        ("resource", True),
        ("project", False),
    ]
    assert commitments_measure(found, True, 20)["points"] == "6.67"
    assert (
        commitments_measure([], True, 20)["reason"]
        == "协议未列明具体承诺，得 20.00 分（满分 20 分）"
    )


@pytest.mark.parametrize(
    ("days_left", "due"),
    [(30, None), (15, None), (14, 14), (8, 14), (7, 7), (4, 7), (3, 3), (1, 1), (0, 1), (-1, None)],
)
def test_the_nearest_threshold_not_yet_passed_is_due(days_left: int, due: int | None) -> None:
    assert reminder_due(days_left, (14, 7, 3, 1)) == due


def test_a_window_is_the_days_of_the_year_the_registration_was_in_force() -> None:
    rows = [
        (1, 10, date(2024, 6, 1), None),
        (2, 11, date(2025, 3, 5), date(2025, 7, 1)),
        (3, 12, date(2025, 7, 1), date(2026, 2, 1)),
    ]
    found = [(w.registered_on, w.covers_from, w.covers_to) for w in _windows(rows, 2025)]
    assert found == [
        (date(2024, 6, 1), date(2025, 1, 1), date(2025, 12, 31)),
        (date(2025, 3, 5), date(2025, 3, 5), date(2025, 7, 1)),
        (date(2025, 7, 1), date(2025, 7, 1), date(2025, 12, 31)),
    ]
