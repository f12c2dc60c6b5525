"""Official numbers, register fields and personal-data sealing, without a database."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet

from infra.personal_data import KeyMissing, PersonalData, mask_id_card, mask_mobile, mask_name
from services.registry import fields
from services.registry.fields import FieldProblem
from services.registry.models import Gender, UnitKind
from services.registry.numbers import (
    BadNumber,
    check_credit_code,
    check_id_card,
    check_mobile,
    check_phone,
    credit_code_check_char,
    id_card_check_char,
)

TODAY = date(2026, 3, 1)
NUMERIC_CELL = "被表格当作数值保存，号码可能已失真：请把该列设为文本格式后重新填写"


def refused(check: Any, value: object) -> str:
    """The reason `check` gives for refusing `value`."""
    with pytest.raises((BadNumber, FieldProblem)) as caught:
        check(value)
    assert isinstance(caught.value, BadNumber | FieldProblem)
    return caught.value.reason


# 统一社会信用代码 of registered companies (public record), and one from a sample.
@pytest.mark.parametrize("code", ["914403001922038216", "91110108551385082Q", "91350100M000100Y43"])
def test_known_credit_codes_pass_and_their_check_character_is_computed(code: str) -> None:
    assert check_credit_code(code) == code
    assert credit_code_check_char(code[:17]) == code[17]


def test_a_credit_code_is_compacted_and_upper_cased_before_checking() -> None:
    assert check_credit_code(" 91110108-5513 85082q ") == "91110108551385082Q"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91110108551385082R", "校验位错误"),
        ("914403001922038217", "校验位错误"),
        ("9144030019220382", "应为 18 位，收到 16 位"),
        ("9144030019220382160", "应为 18 位，收到 19 位"),
        (
            "91110108551385O82Q",
            "含有不允许的字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）",
        ),
        ("9111010855138508IQ", "含有不允许的字符（只能是数字和除 I、O、S、V、Z 以外的大写字母）"),
    ],
)
def test_a_bad_credit_code_says_what_is_wrong(value: str, reason: str) -> None:
    assert refused(check_credit_code, value) == reason


# GB 11643-1999's own example ends in X.
@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_known_id_card_numbers_pass_including_an_x_check_character(number: str) -> None:
    assert check_id_card(number) == number
    assert id_card_check_char(number[:17]) == number[17]


def test_a_lower_case_x_and_spaces_are_accepted_in_an_id_card_number() -> None:
    assert check_id_card(" 110105 19491231 002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "校验位错误"),
        ("110105194902300028", "出生日期部分不是有效日期"),
        ("110105194913310027", "出生日期部分不是有效日期"),
        ("11010519491231002", "应为 18 位，收到 17 位"),
        ("1101051949123100X2", "前 17 位应为数字，末位为数字或 X"),
    ],
)
def test_a_bad_id_card_number_says_what_is_wrong(value: str, reason: str) -> None:
    assert refused(check_id_card, value) == reason


@pytest.mark.parametrize(
    "value", ["13812345678", "+86 138 1234 5678", "+8613812345678", "138-1234-5678"]
)
def test_a_mobile_number_is_cleaned_of_the_country_code_spaces_and_dashes(value: str) -> None:
    assert check_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "+1 3812345678"])
def test_a_bad_mobile_number_is_refused(value: str) -> None:
    assert refused(check_mobile, value) == "应为 11 位手机号码（1 开头）"


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("0311-88001234", "0311-88001234"),
        ("0311 8800 1234", "031188001234"),
        ("010-12345678-123", "010-12345678-123"),
        ("13812345678", "13812345678"),
    ],
)
def test_a_unit_contact_phone_is_a_landline_with_its_area_code_or_a_mobile(
    value: str, cleaned: str
) -> None:
    assert check_phone(value) == cleaned
    assert fields.contact_phone(value) == cleaned


@pytest.mark.parametrize("value", ["88001234", "311-88001234", "0311-123"])
def test_a_contact_phone_without_an_area_code_is_refused(value: str) -> None:
    assert refused(check_phone, value) == "应为手机号码或带区号的固定电话（如 0311-88001234）"


def test_an_empty_contact_phone_or_id_card_is_none_and_empty_required_numbers_are_refused() -> None:
    assert fields.contact_phone("  ") is None
    assert fields.id_card("") is None
    assert fields.id_card(None) is None
    assert refused(fields.mobile, "") == "不能为空"
    assert refused(fields.credit_code, None) == "不能为空"


@pytest.mark.parametrize("cell", [110105194912310020.0, 13812345678.0, 110105194912310020])
def test_a_number_cell_for_an_id_card_is_refused_with_the_text_format_message(cell: object) -> None:
    assert refused(fields.id_card, cell) == NUMERIC_CELL


def test_a_number_cell_for_a_credit_code_is_refused_with_the_text_format_message() -> None:
    # An all-digit code (Huawei's) kept as a number loses its last digits, as an ID card does.
    reason = refused(fields.credit_code, 914403001922038216.0)
    assert reason.startswith("被表格当作数值保存")
    assert reason.endswith("请把该列设为文本格式后重新填写")


def test_a_number_cell_for_a_mobile_or_phone_is_refused_too() -> None:
    assert refused(fields.mobile, 13812345678.0) == NUMERIC_CELL
    assert refused(fields.contact_phone, 88001234.0) == NUMERIC_CELL


@pytest.mark.parametrize(
    "value",
    [
        "2010年7月1日",
        "2010年07月01日",
        "2010年7月1",
        "2010/7/1",
        "2010.7.1",
        "2010-07-01",
        " 2010-7-1 ",
    ],
)
def test_a_joining_date_is_read_from_the_ways_clerks_write_it(value: str) -> None:
    assert fields.joining_date(value, TODAY) == date(2010, 7, 1)


def test_a_joining_date_cell_that_is_already_a_date_is_kept() -> None:
    assert fields.joining_date(datetime(2010, 7, 1, 0, 0), TODAY) == date(2010, 7, 1)
    assert fields.joining_date(date(1921, 7, 1), TODAY) == date(1921, 7, 1)
    assert fields.joining_date(TODAY, TODAY) == TODAY
    assert fields.joining_date("", TODAY) is None
    assert fields.joining_date(None, TODAY) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("七月一日", "应为日期，如 2010-07-01，收到“七月一日”"),
        ("2010-02-30", "应为日期，如 2010-07-01，收到“2010-02-30”"),
        ("2010年7月", "应为日期，如 2010-07-01，收到“2010年7月”"),
        ("1921-06-30", "应在 1921-07-01 与今天之间"),
        (TODAY + timedelta(days=1), "应在 1921-07-01 与今天之间"),
    ],
)
def test_a_bad_joining_date_says_what_is_wrong(value: object, reason: str) -> None:
    assert refused(lambda v: fields.joining_date(v, TODAY), value) == reason


def test_choices_are_read_from_their_chinese_names_or_codes() -> None:
    assert fields.unit_kind("机关") is UnitKind.GOVERNMENT
    assert fields.unit_kind("private_enterprise") is UnitKind.PRIVATE_ENTERPRISE
    assert fields.gender(" 女 ") is Gender.FEMALE
    assert refused(fields.gender, "未知") == "应为男、女之一，收到“未知”"
    assert refused(fields.gender, None) == "不能为空"


def test_skills_are_split_deduplicated_and_limited() -> None:
    assert fields.skills("法律咨询、水电维修，理发; 法律咨询") == ["法律咨询", "水电维修", "理发"]
    assert fields.skills(["理发", " ", "理发"]) == ["理发"]
    assert fields.skills(None) == []
    assert refused(fields.skills, "长" * 21) == f"每项不能超过 20 个字（“{'长' * 20}…”）"
    assert refused(fields.skills, [f"技能{i}" for i in range(21)]) == "不能超过 20 项"


def test_text_fields_are_stripped_and_limited() -> None:
    assert fields.required_text("  正定县供电公司 ") == "正定县供电公司"
    assert fields.text(3.0) == "3"
    assert fields.optional_text("  ") is None
    assert refused(fields.required_text, "长" * 65) == "不能超过 64 个字"
    assert refused(fields.person_name, "长" * 31) == "不能超过 30 个字"


def personal(*keys: bytes, index_key: bytes = b"index-key") -> PersonalData:
    return PersonalData.from_keys(list(keys), index_key)


def test_a_sealed_value_opens_to_itself_and_never_holds_it_in_clear() -> None:
    data = personal(Fernet.generate_key())
    sealed = data.seal("13812345678")
    assert b"13812345678" not in sealed
    assert data.open(sealed) == "13812345678"
    assert data.seal("13812345678") != sealed


def test_a_value_sealed_with_an_old_key_opens_after_a_new_key_is_put_first() -> None:
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    sealed = personal(old_key).seal("11010519491231002X")
    rotated = personal(new_key, old_key)
    assert rotated.open(sealed) == "11010519491231002X"
    resealed = rotated.reseal(sealed)
    assert personal(new_key).open(resealed) == "11010519491231002X"
    with pytest.raises(KeyMissing):
        personal(old_key).open(resealed)
    with pytest.raises(KeyMissing):
        personal(new_key).open(sealed)


def test_personal_data_needs_at_least_one_key() -> None:
    with pytest.raises(ValueError, match="at least one personal-data key is needed"):
        personal()


def test_the_index_matches_equal_values_and_depends_on_its_key() -> None:
    data = personal(Fernet.generate_key())
    assert data.index("13812345678") == personal(Fernet.generate_key()).index("13812345678")
    assert len(data.index("13812345678")) == 32
    assert data.index("13812345678") != data.index("13812345679")
    assert data.index("13812345678") != personal(
        Fernet.generate_key(), index_key=b"another-index-key"
    ).index("13812345678")


def test_masks_keep_only_what_identifies_nobody() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("123456") == "****"
    assert mask_id_card("110101199003071234") == "110101********1234"
    assert mask_id_card("1101011990") == "****"
    assert [mask_name(n) for n in ("王", "张三", "张三丰", "欧阳娜娜")] == [
        "王",
        "张*",
        "张**",
        "欧阳**",
    ]
