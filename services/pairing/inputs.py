"""What clerks call the inputs of areas, households, pairings, visits, posts and campaigns,
and the checks that need nothing but the input and the clock."""

from dataclasses import dataclass
from datetime import date

from infra.clock import today
from infra.errors import DomainError
from services.pairing.errors import (
    InvalidCampaign,
    InvalidHousehold,
    InvalidMemberPost,
    InvalidNomination,
    InvalidPairing,
    InvalidResponsibilityArea,
    InvalidVisit,
)
from services.registry import fields

COMMON_LABELS = {
    "startsOn": "开始日期",
    "endsOn": "结束日期",
    "visitEveryDays": "走访周期（天）",
    "servicesPerYear": "每户每年服务次数",
    "reason": "原因",
    "memberId": "党员",
    "unitId": "单位",
}
AREA_LABELS = COMMON_LABELS | {
    "nodeId": "包保区域",
    "duties": "包保职责",
    "householdIds": "包保住户",
}
HOUSEHOLD_LABELS = COMMON_LABELS | {
    "placeId": "住户所在地",
    "contactName": "户主（联系人）姓名",
    "phone": "联系电话",
    "address": "住址",
    "members": "家庭成员",
    "members.name": "家庭成员姓名",
    "members.relation": "与户主关系",
    "people": "家庭人口",
    "needs": "帮扶需求",
}
PAIRING_LABELS = COMMON_LABELS | {"householdId": "住户", "reason": "结对原因"}
VISIT_LABELS = COMMON_LABELS | {
    "householdId": "住户",
    "visitedAt": "走访开始时间",
    "endedAt": "走访结束时间",
    "found": "走访发现",
    "done": "帮扶办理情况",
    "followUp": "后续跟进事项",
    "need.description": "需求描述",
    "description": "需求描述",
}
POST_LABELS = COMMON_LABELS | {"nodeId": "任职区域", "post": "岗位"}
CAMPAIGN_LABELS = {
    "nodeId": "评选范围",
    "title": "评选名称",
    "criteria": "评选条件",
    "opensOn": "推荐开始日期",
    "closesOn": "推荐截止日期",
}
NOMINATION_LABELS = {"reason": "推荐理由", "note": "评审意见", "memberId": "党员"}

TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 2000
TITLE_MAX_LENGTH = 50
REASON_MAX_LENGTH = 200
RELATION_MAX_LENGTH = 10
ADDRESS_MAX_LENGTH = 100
MEMBERS_MAX = 20
PEOPLE_MAX = 30
EXPECTATION_MAX = 365
# A commitment's first day may lie this far back (an arrangement made before it was
# entered here); its last day at most this far ahead.
BACKDATE_MAX_DAYS = 366
PERIOD_MAX_DAYS = 5 * 366
HOUSEHOLDS_MAX = 50

clean_area = fields.Cleaner(InvalidResponsibilityArea, AREA_LABELS)
clean_household = fields.Cleaner(InvalidHousehold, HOUSEHOLD_LABELS)
clean_pairing = fields.Cleaner(InvalidPairing, PAIRING_LABELS)
clean_visit = fields.Cleaner(InvalidVisit, VISIT_LABELS)
clean_post = fields.Cleaner(InvalidMemberPost, POST_LABELS)
clean_campaign = fields.Cleaner(InvalidCampaign, CAMPAIGN_LABELS)
clean_nomination = fields.Cleaner(InvalidNomination, NOMINATION_LABELS)


def day(on: date) -> str:
    """11月20日, as a message names a day (with the year when it is not this year's)."""
    shown = f"{on.month}月{on.day}日"
    return shown if on.year == today().year else f"{on.year}年{shown}"


@dataclass(frozen=True)
class Period:
    starts_on: date
    ends_on: date | None


def period(error: type[DomainError], starts_on: date | None, ends_on: date | None) -> Period:
    """A commitment's first and last day (no last day: until ended), in order."""
    first = today() if starts_on is None else starts_on
    if first < date.fromordinal(today().toordinal() - BACKDATE_MAX_DAYS):
        raise error(f"「开始日期」不能早于 {BACKDATE_MAX_DAYS} 天之前", field="startsOn")
    if ends_on is not None:
        if ends_on < first:
            raise error("「结束日期」不能早于「开始日期」", field="endsOn")
        if ends_on < today():
            raise error("「结束日期」不能早于今天", field="endsOn")
        if (ends_on - first).days > PERIOD_MAX_DAYS:
            raise error("期限不能超过 5 年", field="endsOn")
    return Period(first, ends_on)


@dataclass(frozen=True)
class Expectations:
    """What is expected of the one responsible: a visit at least every so many days, and
    so many services a year for each household (None: not set)."""

    visit_every_days: int | None = None
    services_per_year: int | None = None


def expectations(error: type[DomainError], given: Expectations) -> Expectations:
    labels = (
        ("visitEveryDays", given.visit_every_days),
        ("servicesPerYear", given.services_per_year),
    )
    for field, value in labels:
        if value is not None and not 1 <= value <= EXPECTATION_MAX:
            raise error(
                f"「{COMMON_LABELS[field]}」应在 1 到 {EXPECTATION_MAX} 之间（不要求时不填）",
                field=field,
            )
    return given


def reason(cleaner: fields.Cleaner, value: object, field: str = "reason") -> str:
    return cleaner(field, lambda v: fields.required_text(v, REASON_MAX_LENGTH), value)


def end_reason(error: type[DomainError], value: object, label: str = "结束原因") -> str:
    """Why a commitment ends (or a household leaves the register)."""
    cleaner = fields.Cleaner(error, {"reason": label})
    return cleaner("reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), value)


def optional_text(
    cleaner: fields.Cleaner, field: str, value: object, limit: int = TEXT_MAX_LENGTH
) -> str | None:
    return cleaner(field, lambda v: fields.optional_text(v, limit), value)


def required_text(
    cleaner: fields.Cleaner, field: str, value: object, limit: int = TEXT_MAX_LENGTH
) -> str:
    return cleaner(field, lambda v: fields.required_text(v, limit), value)
