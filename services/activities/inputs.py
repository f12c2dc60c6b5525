"""What organisers call the inputs of an activity, and the checks of an activity as typed
in that need nothing but the input and the clock."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from infra.clock import CHINA
from services.activities.errors import InvalidActivity
from services.activities.models import Audience
from services.registry import fields

LABELS = {
    "placeId": "举办区划",
    "title": "活动名称",
    "description": "活动内容",
    "postCategory": "岗位类别",
    "place": "活动地址",
    "startsAt": "开始时间",
    "endsAt": "结束时间",
    "capacity": "招募人数",
    "signupOpensAt": "报名开始时间",
    "signupClosesAt": "报名截止时间",
    "audience": "参加对象",
    "audienceScopeId": "报名范围",
    "organiserUnitId": "组织单位",
    "projectId": "所属项目",
    "collective": "单位集体活动",
    "reason": "取消原因",
    "code": "签到码",
    "memberId": "党员",
    "checkedInAt": "签到时间",
    "checkedOutAt": "签退时间",
}
TITLE_MAX_LENGTH = 50
DESCRIPTION_MAX_LENGTH = 2000
PLACE_MAX_LENGTH = 100
REASON_MAX_LENGTH = 200
MAX_CAPACITY = 10_000
# The longest an activity may run: a longer one is surely a typing slip.
MAX_DURATION = timedelta(days=7)

clean = fields.Cleaner(InvalidActivity, LABELS)


@dataclass(frozen=True)
class ActivityDraft:
    """An activity as typed in, checked by `checked` and the service."""

    place_id: int
    audience: Audience
    starts_at: datetime
    ends_at: datetime
    title: object = None
    post_category: object = None
    place: object = None
    description: object = None
    capacity: int | None = None
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None
    audience_scope_id: int | None = None
    organiser_unit_id: int | None = None
    project_id: int | None = None
    collective: bool = False


@dataclass(frozen=True)
class CheckedActivity:
    title: str
    description: str | None
    place: str
    capacity: int | None
    starts_at: datetime
    ends_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime


def shown(at: datetime) -> str:
    """2026-11-22 18:00, in China time, as a message names a moment."""
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def aware(value: datetime) -> datetime:
    """A time as given; one without a zone is China time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA)


def _capacity(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_CAPACITY:
        raise InvalidActivity(
            f"「招募人数」应在 1 到 {MAX_CAPACITY} 之间（不限人数时不填）", field="capacity"
        )
    return value


def checked(draft: ActivityDraft, now: datetime) -> CheckedActivity:
    """The activity's text, numbers and times, in the order the form shows them."""
    title = clean("title", lambda v: fields.required_text(v, TITLE_MAX_LENGTH), draft.title)
    description = clean(
        "description", lambda v: fields.optional_text(v, DESCRIPTION_MAX_LENGTH), draft.description
    )
    place = clean("place", lambda v: fields.required_text(v, PLACE_MAX_LENGTH), draft.place)
    starts_at, ends_at = aware(draft.starts_at), aware(draft.ends_at)
    if starts_at <= now:
        raise InvalidActivity("「开始时间」应晚于现在", field="startsAt")
    if ends_at <= starts_at:
        raise InvalidActivity("「结束时间」应晚于「开始时间」", field="endsAt")
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidActivity(
            f"「结束时间」距「开始时间」不能超过 {MAX_DURATION.days} 天", field="endsAt"
        )
    capacity = _capacity(draft.capacity)
    opens = now if draft.signup_opens_at is None else aware(draft.signup_opens_at)
    closes = starts_at if draft.signup_closes_at is None else aware(draft.signup_closes_at)
    if opens >= starts_at:
        raise InvalidActivity("「报名开始时间」应早于「开始时间」", field="signupOpensAt")
    if closes <= opens:
        raise InvalidActivity("「报名截止时间」应晚于「报名开始时间」", field="signupClosesAt")
    if closes > starts_at:
        raise InvalidActivity("「报名截止时间」不能晚于「开始时间」", field="signupClosesAt")
    return CheckedActivity(
        title=title,
        description=description,
        place=place,
        capacity=capacity,
        starts_at=starts_at,
        ends_at=ends_at,
        signup_opens_at=opens,
        signup_closes_at=closes,
    )
