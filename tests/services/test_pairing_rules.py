"""Pairing's rules that need no database: commitment periods and expectations as typed in,
when the next visit is due, who may see a household's people, and how they are masked."""

from datetime import date, timedelta
from uuid import uuid4

import pytest

from infra.clock import today
from policies.principal import Grant, Principal, PrincipalKind
from services.pairing import inputs, pairings, residents
from services.pairing.errors import InvalidPairing
from services.pairing.inputs import Expectations
from services.pairing.models import CommitmentStatus, Household, Pairing


def pairing(**changes: object) -> Pairing:
    values: dict[str, object] = {
        "id": 1,
        "household_id": 1,
        "member_id": 7,
        "unit_id": None,
        "starts_on": today() - timedelta(days=20),
        "ends_on": None,
        "visit_every_days": 7,
        "status": CommitmentStatus.ACTIVE,
        "last_visited_on": None,
    }
    return Pairing(**(values | changes))


def member(member_id: int | None = 7, unit_id: int | None = None, *grants: Grant) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        id=uuid4(),
        tenant_id=uuid4(),
        name="张三",
        grants=grants,
        member_id=member_id,
        unit_id=unit_id,
    )


def test_the_next_visit_is_due_a_period_after_the_last_or_after_the_start() -> None:
    start = today() - timedelta(days=20)
    assert pairings.next_due(pairing()) == start + timedelta(days=7)
    visited = today() - timedelta(days=2)
    assert pairings.next_due(pairing(last_visited_on=visited)) == visited + timedelta(days=7)
    assert pairings.next_due(pairing(visit_every_days=None)) is None


def test_a_period_starts_today_by_default_and_refuses_an_end_out_of_order() -> None:
    assert inputs.period(InvalidPairing, None, None) == inputs.Period(today(), None)
    with pytest.raises(InvalidPairing) as before_start:
        inputs.period(InvalidPairing, today() + timedelta(days=3), today() + timedelta(days=1))
    assert (before_start.value.message, before_start.value.field) == (
        "「结束日期」不能早于「开始日期」",
        "endsOn",
    )
    with pytest.raises(InvalidPairing) as over:
        inputs.period(InvalidPairing, today() - timedelta(days=10), today() - timedelta(days=1))
    assert over.value.message == "「结束日期」不能早于今天"
    with pytest.raises(InvalidPairing) as long_ago:
        inputs.period(InvalidPairing, today() - timedelta(days=400), None)
    assert long_ago.value.message == "「开始日期」不能早于 366 天之前"
    with pytest.raises(InvalidPairing) as too_long:
        inputs.period(InvalidPairing, today(), today() + timedelta(days=6 * 366))
    assert too_long.value.message == "期限不能超过 5 年"


def test_expectations_are_whole_days_and_times_within_a_year() -> None:
    assert inputs.expectations(InvalidPairing, Expectations(7, 2)) == Expectations(7, 2)
    with pytest.raises(InvalidPairing) as refused:
        inputs.expectations(InvalidPairing, Expectations(None, 400))
    assert (refused.value.message, refused.value.field) == (
        "「每户每年服务次数」应在 1 到 365 之间（不要求时不填）",
        "servicesPerYear",
    )


def test_a_day_is_named_without_its_year_unless_another_year() -> None:
    this_year = date(today().year, 11, 20)
    assert inputs.day(this_year) == "11月20日"
    assert inputs.day(date(2020, 1, 5)) == "2020年1月5日"


def test_only_a_pairing_in_force_of_the_caller_or_its_unit_counts_as_holding_one() -> None:
    assert residents.holds_pairing(member(7), [pairing()])
    assert not residents.holds_pairing(member(8), [pairing()])
    assert residents.holds_pairing(member(None, 3), [pairing(member_id=None, unit_id=3)])
    ended = pairing(status=CommitmentStatus.ENDED)
    lapsed = pairing(ends_on=today() - timedelta(days=1))
    later = pairing(starts_on=today() + timedelta(days=1))
    for row in (ended, lapsed, later):
        assert not residents.holds_pairing(member(7), [row])


def test_household_people_are_masked_to_the_family_name_and_the_start_of_the_address() -> None:
    assert residents.mask_address("东园小区1号楼2单元301") == "东园小区****"
    assert residents.mask_address("东园") == "****"
    household = Household(id=1, scope_path="1.2.3.", node_id=3)
    staff = member(None, None, Grant(role="community_admin", node_id=2, path="1.2."))
    leader = member(None, None, Grant(role="compound_leader", node_id=3, path="1.2.3."))
    assert residents.may_see_clear(staff, household, [])
    assert not residents.may_see_clear(leader, household, [])
    paired_member = member(7, None, Grant(role="member", node_id=3, path="1.2.3."))
    assert residents.may_see_clear(paired_member, household, [pairing()])
    assert not residents.may_see_clear(paired_member, household, [])
