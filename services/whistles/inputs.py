"""What clerks call the inputs of a whistle call, and the checks of a call as typed in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from infra.clock import CHINA
from services.registry import fields
from services.whistles.errors import InvalidWhistleCall
from services.whistles.models import WhistleKind

LABELS = {
    "nodeId": "召集范围",
    "title": "吹哨事项",
    "details": "具体要求",
    "membersWanted": "所需党员人数",
    "unitsWanted": "所需单位数",
    "skills": "所需技能",
    "place": "地点",
    "startsAt": "开始时间",
    "endsAt": "结束时间",
    "respondBy": "响应截止时间",
    "outcome": "处置结果",
    "reason": "取消原因",
    "note": "回应说明",
}
TITLE_MAX_LENGTH = 64
DETAILS_MAX_LENGTH = 2000
PLACE_MAX_LENGTH = 200
OUTCOME_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 200
MAX_MEMBERS_WANTED = 10_000
MAX_UNITS_WANTED = 1_000
# The longest a call's time window may run.
MAX_WINDOW = timedelta(days=30)

clean = fields.Cleaner(InvalidWhistleCall, LABELS)


@dataclass(frozen=True)
class WhistleDraft:
    """A call as typed in, checked by `checked`."""

    node_id: int
    kind: WhistleKind
    title: object = None
    details: object = None
    members_wanted: int = 0
    units_wanted: int = 0
    skills: object = None
    place: object = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    respond_by: datetime | None = None
    need_id: int | None = None


@dataclass(frozen=True)
class CheckedCall:
    title: str
    details: str | None
    members_wanted: int
    units_wanted: int
    skills: list[str]
    place: str
    starts_at: datetime
    ends_at: datetime
    respond_by: datetime


def _instant(value: datetime | None, field: str) -> datetime:
    """A time as given; one without a zone is China time."""
    if value is None:
        raise InvalidWhistleCall(f"「{LABELS[field]}」不能为空", field=field)
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


def _count(value: int, field: str, most: int) -> int:
    if not 0 <= value <= most:
        raise InvalidWhistleCall(f"「{LABELS[field]}」应在 0 到 {most} 之间", field=field)
    return value


def shown(at: datetime) -> str:
    """2026-11-22 18:00, in China time, as a refusal names a moment."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def checked(draft: WhistleDraft, now: datetime) -> CheckedCall:
    title = clean("title", lambda v: fields.required_text(v, TITLE_MAX_LENGTH), draft.title)
    details = clean("details", lambda v: fields.optional_text(v, DETAILS_MAX_LENGTH), draft.details)
    members = _count(draft.members_wanted, "membersWanted", MAX_MEMBERS_WANTED)
    units = _count(draft.units_wanted, "unitsWanted", MAX_UNITS_WANTED)
    if members == 0 and units == 0:
        raise InvalidWhistleCall(
            "「所需党员人数」与「所需单位数」至少一项应大于 0", field="membersWanted"
        )
    skills = clean("skills", fields.skills, draft.skills or [])
    place = clean("place", lambda v: fields.required_text(v, PLACE_MAX_LENGTH), draft.place)
    starts_at = _instant(draft.starts_at, "startsAt")
    ends_at = _instant(draft.ends_at, "endsAt")
    respond_by = _instant(draft.respond_by, "respondBy")
    if ends_at <= starts_at:
        raise InvalidWhistleCall("「结束时间」应晚于「开始时间」", field="endsAt")
    if ends_at - starts_at > MAX_WINDOW:
        raise InvalidWhistleCall(
            f"「结束时间」距「开始时间」不能超过 {MAX_WINDOW.days} 天", field="endsAt"
        )
    if respond_by <= now:
        raise InvalidWhistleCall("「响应截止时间」应晚于现在", field="respondBy")
    if respond_by >= starts_at:
        raise InvalidWhistleCall("「响应截止时间」应早于「开始时间」", field="respondBy")
    return CheckedCall(
        title=title,
        details=details,
        members_wanted=members,
        units_wanted=units,
        skills=skills,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        respond_by=respond_by,
    )
