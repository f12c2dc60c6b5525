"""What clerks and partner systems call the inputs of the lists, and their cleaners."""

from datetime import date
from typing import TypeVar

from infra.clock import today
from infra.errors import DomainError
from services.lists.errors import InvalidNeed, InvalidResource, InvalidWorkOrder
from services.lists.models import NeedStatus
from services.registry import fields

# The GraphQL argument names and what clerks call them.
NEED_LABELS = {
    "placeId": "需求地点",
    "description": "需求描述",
    "note": "说明",
    "reason": "原因",
    "resolutionNote": "办理结果",
    "satisfaction": "居民满意度",
}
RESOURCE_LABELS = {
    "description": "资源说明",
    "availability": "可提供时间",
    "availableFrom": "开始日期",
    "availableUntil": "结束日期",
    "communityId": "服务社区",
    "unitId": "提供单位",
    "memberId": "提供党员",
    "reason": "撤回原因",
}
WORK_ORDER_LABELS = {
    "externalId": "工单编号",
    "category": "工单类别",
    "text": "工单内容",
    "address": "地址",
    "communityId": "所属社区",
    "communityCode": "所属社区",
    "deadline": "办理时限",
}
T = TypeVar("T")

TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 500
REASON_MAX_LENGTH = 200
EXTERNAL_ID_MAX_LENGTH = 64
CATEGORY_MAX_LENGTH = 50

clean_need = fields.Cleaner(InvalidNeed, NEED_LABELS)
clean_resource = fields.Cleaner(InvalidResource, RESOURCE_LABELS)
clean_work_order = fields.Cleaner(InvalidWorkOrder, WORK_ORDER_LABELS)

# How a need's status reads in a refusal: 该需求已办结，不能驳回.
NEED_STATUS_PHRASES = {
    NeedStatus.OPEN: "尚待对接资源",
    NeedStatus.MATCHED: "已对接资源、尚未开始办理",
    NeedStatus.IN_PROGRESS: "正在办理",
    NeedStatus.RESOLVED: "已解决、待回访办结",
    NeedStatus.CLOSED: "已办结",
    NeedStatus.REJECTED: "已驳回",
}


def long_text(cleaner: fields.Cleaner, field: str, value: object) -> str:
    return cleaner(field, lambda v: fields.required_text(v, TEXT_MAX_LENGTH), value)


def note(cleaner: fields.Cleaner, field: str, value: object) -> str | None:
    return cleaner(field, lambda v: fields.optional_text(v, NOTE_MAX_LENGTH), value)


def reason(cleaner: fields.Cleaner, value: object) -> str:
    return cleaner("reason", lambda v: fields.required_text(v, REASON_MAX_LENGTH), value)


def optional_reason(cleaner: fields.Cleaner, value: object) -> str | None:
    return cleaner("reason", lambda v: fields.optional_text(v, REASON_MAX_LENGTH), value)


def required(error: type[DomainError], labels: dict[str, str], field: str, value: T | None) -> T:
    """An argument the schema lets through empty, refused in the clerk's words."""
    if value is None:
        raise error(f"「{labels[field]}」不能为空", field=field)
    return value


def period(available_from: date | None, available_until: date | None) -> None:
    """The dates a resource holds between: in order, and not already over."""
    if available_until is None:
        return
    if available_from is not None and available_until < available_from:
        raise InvalidResource("「结束日期」不能早于「开始日期」", field="availableUntil")
    if available_until < today():
        raise InvalidResource("「结束日期」不能早于今天", field="availableUntil")
