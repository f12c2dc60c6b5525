"""Official numbers: checking them and saying in zh-CN what is wrong with a bad one.

Each check returns the cleaned number, or raises `BadNumber` with the reason (the caller
names the field: "「身份证号」校验位错误").
"""

import re
from datetime import date

# GB 32100-2015: 统一社会信用代码 — 18 characters from 31 (no I, O, S, V, Z).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]
CREDIT_CODE = re.compile(rf"^[{CREDIT_CODE_CHARS}]{{18}}$")
# GB 11643-1999: 公民身份号码 — 17 digits and a check character (0-9 or X).
ID_CARD_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
ID_CARD_CHECKS = "10X98765432"
ID_CARD = re.compile(r"^[0-9]{17}[0-9X]$")
# Mainland mobile numbers: 11 digits from 13x to 19x.
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# A landline with its area code, or a mobile: a unit's contact number.
PHONE = re.compile(r"^(0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?|1[3-9][0-9]{9})$")


class BadNumber(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _compact(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def check_credit_code(value: str) -> str:
    code = _compact(value)
    if len(code) != 18:
        raise BadNumber(f"应为 18 位，收到 {len(code)} 位")
    if not CREDIT_CODE.match(code):
        raise BadNumber("含有不允许的字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）")
    if credit_code_check_char(code[:17]) != code[17]:
        raise BadNumber("校验位错误")
    return code


def check_id_card(value: str) -> str:
    number = _compact(value)
    if len(number) != 18:
        raise BadNumber(f"应为 18 位，收到 {len(number)} 位")
    if not ID_CARD.match(number):
        raise BadNumber("前 17 位应为数字，末位为数字或 X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise BadNumber("出生日期部分不是有效日期") from None
    if id_card_check_char(number[:17]) != number[17]:
        raise BadNumber("校验位错误")
    return number


def check_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value)
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE.match(number):
        raise BadNumber("应为 11 位手机号码（1 开头）")
    return number


def check_phone(value: str) -> str:
    number = value.strip().replace(" ", "")
    if not PHONE.match(number):
        raise BadNumber("应为手机号码或带区号的固定电话（如 0311-88001234）")
    return number


def credit_code_check_char(first17: str) -> str:
    """The check character of a credit code's first 17 characters."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def id_card_check_char(first17: str) -> str:
    """The check character of an ID-card number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_CARD_WEIGHTS, strict=True))
    return ID_CARD_CHECKS[total % 11]
