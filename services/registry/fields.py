"""Cleaning one field of a unit or member, from a form or a spreadsheet cell.

Each function takes the raw value (text, or what a spreadsheet cell holds) and returns
the clean value or raises `FieldProblem` with the reason in zh-CN; the caller names the
field ("「身份证号」校验位错误"), so the GraphQL API and the workbook import say the same.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from infra.errors import DomainError
from services.registry.models import (
    GENDER_NAMES,
    PARTY_ORG_TYPE_NAMES,
    UNIT_KIND_NAMES,
    Gender,
    PartyOrgType,
    UnitKind,
)
from services.registry.numbers import (
    BadNumber,
    check_credit_code,
    check_id_card,
    check_mobile,
    check_phone,
)

NAME_MAX_LENGTH = 64
PERSON_NAME_MAX_LENGTH = 30
SKILL_MAX_LENGTH = 20
SKILLS_MAX = 20
SKILL_SEPARATORS = re.compile(r"[、，,；;/\s]+")
EARLIEST_JOINING = date(1921, 7, 1)

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class FieldProblem(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Cleaner:
    """Runs a field's check, its problem raised as `error` naming the field as clerks
    call it: 「身份证号」校验位错误 (field `idCard`)."""

    def __init__(self, error: type[DomainError], labels: dict[str, str]) -> None:
        self.error, self.labels = error, labels

    def __call__(self, field: str, check: Callable[[Any], T], value: object) -> T:
        try:
            return check(value)
        except FieldProblem as problem:
            raise self.error(f"「{self.labels[field]}」{problem.reason}", field=field) from None


def text(value: object) -> str:
    """A cell or argument as stripped text ('' when empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def required_text(value: object, max_length: int = NAME_MAX_LENGTH) -> str:
    cleaned = text(value)
    if not cleaned:
        raise FieldProblem("不能为空")
    if len(cleaned) > max_length:
        raise FieldProblem(f"不能超过 {max_length} 个字")
    return cleaned


def optional_text(value: object, max_length: int = NAME_MAX_LENGTH) -> str | None:
    cleaned = text(value)
    if len(cleaned) > max_length:
        raise FieldProblem(f"不能超过 {max_length} 个字")
    return cleaned or None


def person_name(value: object) -> str:
    return required_text(value, PERSON_NAME_MAX_LENGTH)


def choice(value: object, enum_class: type[E], names: dict[E, str]) -> E:
    """An enum member from its zh-CN name (as in the template) or its code."""
    cleaned = text(value)
    for member, name in names.items():
        if cleaned in (name, member.value):
            return member
    if not cleaned:
        raise FieldProblem("不能为空")
    raise FieldProblem(f"应为{'、'.join(names.values())}之一，收到“{cleaned[:20]}”")


def unit_kind(value: object) -> UnitKind:
    return choice(value, UnitKind, UNIT_KIND_NAMES)


def party_org_type(value: object) -> PartyOrgType:
    return choice(value, PartyOrgType, PARTY_ORG_TYPE_NAMES)


def gender(value: object) -> Gender:
    return choice(value, Gender, GENDER_NAMES)


def _official(
    value: object, check: Callable[[str], str], what: str, *, digits_only: bool
) -> str | None:
    """An official number checked by `check`; None when empty. Spreadsheets keep long
    numbers as floats and lose their last digits, so a number cell is refused for any
    number longer than a float holds (`digits_only`: codes that may be all digits)."""
    if isinstance(value, float) or (digits_only and isinstance(value, int)):
        raise FieldProblem(f"被表格当作数值保存，{what}可能已失真：请把该列设为文本格式后重新填写")
    raw = text(value)
    if not raw:
        return None
    try:
        return check(raw)
    except BadNumber as bad:
        raise FieldProblem(bad.reason) from None


def _required(number: str | None) -> str:
    if number is None:
        raise FieldProblem("不能为空")
    return number


def credit_code(value: object) -> str:
    return _required(_official(value, check_credit_code, "代码", digits_only=True))


def mobile(value: object) -> str:
    return _required(_official(value, check_mobile, "号码", digits_only=False))


def optional_mobile(value: object) -> str | None:
    return _official(value, check_mobile, "号码", digits_only=False)


def id_card(value: object) -> str | None:
    return _official(value, check_id_card, "号码", digits_only=True)


def contact_phone(value: object) -> str | None:
    return _official(value, check_phone, "号码", digits_only=False)


def joining_date(value: object, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        raw = text(value).replace("/", "-").replace(".", "-")
        raw = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$", r"\1-\2-\3", raw)
        try:
            year, month, day_of_month = (int(part) for part in raw.split("-"))
            day = date(year, month, day_of_month)
        except ValueError:
            raise FieldProblem(f"应为日期，如 2010-07-01，收到“{raw[:20]}”") from None
    if not EARLIEST_JOINING <= day <= today:
        raise FieldProblem(f"应在 {EARLIEST_JOINING} 与今天之间")
    return day


def skills(value: object) -> list[str]:
    """Skills and specialties: a list, or text separated by 、，; or spaces."""
    parts = value if isinstance(value, list) else SKILL_SEPARATORS.split(text(value))
    cleaned: list[str] = []
    for part in parts:
        skill = text(part)
        if not skill or skill in cleaned:
            continue
        if len(skill) > SKILL_MAX_LENGTH:
            raise FieldProblem(f"每项不能超过 {SKILL_MAX_LENGTH} 个字（“{skill[:20]}…”）")
        cleaned.append(skill)
    if len(cleaned) > SKILLS_MAX:
        raise FieldProblem(f"不能超过 {SKILLS_MAX} 项")
    return cleaned
