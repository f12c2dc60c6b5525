"""What clerks call the inputs of projects, claims and tasks, and the cleaners for them."""

from datetime import date

from services.projects.errors import InvalidClaim, InvalidProject, InvalidTask
from services.projects.models import ClaimStatus, ProjectStatus, TaskStatus
from services.registry import fields

PROJECT_LABELS = {
    "nodeId": "发布区划",
    "title": "项目名称",
    "category": "岗位类别",
    "description": "项目说明",
    "capacity": "名额",
    "startsOn": "开始日期",
    "endsOn": "结束日期",
    "note": "结项说明",
    "reason": "取消原因",
}
CLAIM_LABELS = {
    "claimant": "认领身份",
    "unitId": "认领单位",
    "memberId": "认领党员",
    "reason": "退出原因",
    "note": "完成说明",
}
REFUSAL_LABELS = {"reason": "不同意退出的理由"}
TASK_LABELS = {
    "nodeId": "交办区划",
    "unitId": "承办单位",
    "title": "任务名称",
    "description": "任务要求",
    "dueOn": "完成期限",
    "note": "进展情况",
    "percent": "完成进度",
    "report": "完成情况",
    "reason": "撤销原因",
}
TITLE_MAX_LENGTH = 100
TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 500
CAPACITY_MAX = 10000

clean_project = fields.Cleaner(InvalidProject, PROJECT_LABELS)
clean_claim = fields.Cleaner(InvalidClaim, CLAIM_LABELS)
clean_refusal = fields.Cleaner(InvalidClaim, REFUSAL_LABELS)
clean_task = fields.Cleaner(InvalidTask, TASK_LABELS)

# How a status reads in a refusal: 项目“…”已结项，不能再认领.
PROJECT_PHRASES = {
    ProjectStatus.DRAFT: "尚未发布",
    ProjectStatus.PUBLISHED: "已发布",
    ProjectStatus.CLOSED: "已结项",
    ProjectStatus.CANCELLED: "已取消",
}
CLAIM_PHRASES = {
    ClaimStatus.CLAIMED: "尚未开始服务",
    ClaimStatus.STARTED: "已开始服务",
    ClaimStatus.WITHDRAW_REQUESTED: "已申请退出，正等待社区审批",
    ClaimStatus.WITHDRAWN: "已退出",
    ClaimStatus.COMPLETED: "已完成",
    ClaimStatus.CANCELLED: "已随项目取消",
}
TASK_PHRASES = {
    TaskStatus.ASSIGNED: "尚未办理",
    TaskStatus.IN_PROGRESS: "正在办理",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.CANCELLED: "已撤销",
}


def title(value: object) -> str:
    return fields.required_text(value, TITLE_MAX_LENGTH)


def long_text(value: object) -> str | None:
    return fields.optional_text(value, TEXT_MAX_LENGTH)


def required_long_text(value: object) -> str:
    return fields.required_text(value, TEXT_MAX_LENGTH)


def note(value: object) -> str | None:
    return fields.optional_text(value, NOTE_MAX_LENGTH)


def required_note(value: object) -> str:
    return fields.required_text(value, NOTE_MAX_LENGTH)


def capacity(value: int) -> int:
    if not 1 <= value <= CAPACITY_MAX:
        raise fields.FieldProblem(f"应在 1 到 {CAPACITY_MAX} 之间")
    return value


def percent(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise fields.FieldProblem("应在 0 到 100 之间")
    return value


def not_before_today(value: date, today: date) -> date:
    if value < today:
        raise fields.FieldProblem(f"不能早于今天（{today.isoformat()}）")
    return value
