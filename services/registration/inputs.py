"""What clerks call the inputs of dual registration, and one cleaner for them all."""

from services.registration.errors import InvalidAgreement, InvalidRegistration
from services.registration.models import RegistrationStatus
from services.registry import fields

LABELS = {
    "reason": "原因",
    "statement": "报到说明",
    "memberIds": "报到党员",
    "responsibilities": "共建责任",
    "resources": "提供资源",
    "projects": "认领项目",
    "contacts": "联系人",
    "contacts.name": "联系人姓名",
    "contacts.title": "联系人职务",
    "contacts.phone": "联系电话",
    "startsOn": "协议开始日期",
    "endsOn": "协议结束日期",
}
REASON_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 2000

clean = fields.Cleaner(InvalidRegistration, LABELS)
clean_agreement = fields.Cleaner(InvalidAgreement, LABELS)

# How a registration's state reads in a refusal: 报到单 BD2026-000001 已被退回，不能再确认.
STATE_PHRASES = {
    RegistrationStatus.SUBMITTED: "尚待社区确认",
    RegistrationStatus.CONFIRMED: "已经社区确认",
    RegistrationStatus.RETURNED: "已被退回",
    RegistrationStatus.ENDED: "已结束",
}


def reason(value: object, cleaner: fields.Cleaner = clean) -> str:
    return cleaner("reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), value)


def statement(value: object) -> str | None:
    return clean("statement", lambda v: fields.optional_text(v, TEXT_MAX_LENGTH), value)
