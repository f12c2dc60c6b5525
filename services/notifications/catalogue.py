"""Which events notify whom, and what the message says (zh-CN).

Each notifying event type maps to a function of its payload giving `Notice`s: an
audience (services/notifications/audiences.py), a category (what preferences are chosen
by), a title and a body.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from infra.clock import CHINA
from services.notifications.audiences import (
    Audience,
    claimant,
    member,
    node_staff,
    signed_up_before_cancelling,
    unit_admins,
    whistle_recipients,
)
from services.notifications.models import Category
from services.pairing.recognition_models import POST_NAMES, PostKind


@dataclass(frozen=True)
class Notice:
    audience: Audience
    category: Category
    title: str
    body: str
    # Past quiet hours and the throttle (an emergency whistle call).
    urgent: bool = False


def day(value: str) -> str:
    """`2026-11-20` or an ISO time → 11月20日 (China time)."""
    if "T" in value:
        moment = datetime.fromisoformat(value).astimezone(CHINA)
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    on = date.fromisoformat(value)
    return f"{on.month}月{on.day}日"


def _reason(payload: dict[str, Any]) -> str:
    return f"，原因：{payload['reason']}" if payload.get("reason") else ""


def _registration(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.REGISTRATION,
            "报到已确认",
            f"您的报到单（{p['slip_number']}）已由社区确认，欢迎参加社区服务。",
        )
    ]


def _registration_returned(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.REGISTRATION,
            "报到单被退回",
            f"您的报到单（{p['slip_number']}）被社区退回{_reason(p)}。请修改后重新提交。",
        )
    ]


def _receipt(p: dict[str, Any]) -> list[Notice]:
    text = f"报到回执（{p['receipt_number']}）已开具，请在系统中查看并存档。"
    return [
        Notice(unit_admins(p["unit_id"]), Category.REGISTRATION, "党员报到回执已开具", text),
        Notice(member(p["member_id"]), Category.REGISTRATION, "报到回执已开具", text),
    ]


def _unit_registration(p: dict[str, Any], confirmed: bool) -> list[Notice]:
    title = "单位报到已确认" if confirmed else "单位报到被退回"
    body = (
        f"{p['unit_name']}到社区报到已确认。"
        if confirmed
        else f"{p['unit_name']}的报到申请被社区退回{_reason(p)}。"
    )
    return [Notice(unit_admins(p["unit_id"]), Category.REGISTRATION, title, body)]


def _project_claimed(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            node_staff(p["node_id"]),
            Category.CLAIMS,
            "项目已被认领",
            f"“{p['project_title']}”已被{p['claimant_name']}认领。",
        )
    ]


def _project_assigned(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            claimant(p),
            Category.CLAIMS,
            "社区指定您认领项目",
            f"社区指定由您认领“{p['project_title']}”，请按要求开展。",
        )
    ]


def _withdrawal_requested(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            node_staff(p["node_id"]),
            Category.CLAIMS,
            "认领方申请退出",
            f"“{p['project_title']}”的认领方申请退出{_reason(p)}，请处理。",
        )
    ]


def _claim_completed(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            node_staff(p["node_id"]),
            Category.CLAIMS,
            "认领项目已完成",
            f"“{p['project_title']}”的认领方已报告完成，请核实并记录服务。",
        )
    ]


def _task_given(p: dict[str, Any]) -> list[Notice]:
    due = f"，请于{day(p['due_on'])}前完成" if p.get("due_on") else ""
    return [
        Notice(
            unit_admins(p["unit_id"]),
            Category.CLAIMS,
            "新的交办任务",
            f"{p['node_name']}交办任务“{p['title']}”{due}。",
        )
    ]


def _wish_to_community(title: str, body: str) -> Callable[[dict[str, Any]], list[Notice]]:
    return lambda p: [Notice(node_staff(p["node_id"]), Category.WISHES, title, body)]


def _wish_to_member(title: str, body: str) -> Callable[[dict[str, Any]], list[Notice]]:
    return lambda p: [Notice(member(p["member_id"]), Category.WISHES, title, body)]


def _whistle_blown(p: dict[str, Any]) -> list[Notice]:
    urgent = p["kind"] == "emergency"
    kind = "紧急" if urgent else ""
    return [
        Notice(
            whistle_recipients(p["whistle_call_id"]),
            Category.WHISTLE,
            f"{kind}吹哨报到：{p['title']}",
            f"请于{day(p['respond_by'])}前在系统中回应是否参加"
            f"（服务时间 {day(p['starts_at'])} 起）。",
            urgent=urgent,
        )
    ]


def _whistle_escalated(p: dict[str, Any]) -> list[Notice]:
    short = []
    if p.get("units_short"):
        short.append(f"单位 {p['units_short']} 个")
    if p.get("members_short"):
        short.append(f"党员 {p['members_short']} 名")
    gap = f"（尚缺{'、'.join(short)}）" if short else ""
    return [
        Notice(
            node_staff(p["escalated_to_node_id"]),
            Category.WHISTLE,
            f"吹哨上报：{p['title']}",
            f"下级的吹哨报到响应不足{gap}，已上报至本级，请组织力量支援。",
            urgent=p["kind"] == "emergency",
        )
    ]


def _record_confirmed(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.RECORDS,
            "服务时长已确认",
            f"您{day(p['service_on'])}的服务已确认，记 {p['hours']} 小时。",
        )
    ]


def _record_declined(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.RECORDS,
            "服务记录未予确认",
            f"您{day(p['service_on'])}的服务记录未予确认{_reason(p)}。如有异议，请联系组织方。",
        )
    ]


def _star_reached(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.SCORING,
            f"恭喜您成为{p['star_level']}星志愿者",
            f"您的累计服务时长已达 {p['hours']} 小时，感谢您的奉献！",
        )
    ]


def _quota_reminder(p: dict[str, Any]) -> list[Notice]:
    wanted = []
    if p.get("min_hours") is not None:
        wanted.append(f"服务 {p['min_hours']} 小时")
    if p.get("min_times") is not None:
        wanted.append(f"服务 {p['min_times']} 次")
    return [
        Notice(
            member(p["member_id"]),
            Category.SCORING,
            f"{p['period_name']}考核提醒",
            f"{p['period_name']}还有 {p['days_left']} 天结束（{day(p['period_ends_on'])}），"
            f"您已服务 {p['hours']} 小时、{p['times']} 次，要求至少{'、'.join(wanted)}。",
        )
    ]


def _promoted(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.ACTIVITIES,
            "候补报名成功",
            f"有名额空出，您已从候补转为“{p['title']}”的正式报名，请准时参加。",
        )
    ]


def _activity_cancelled(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            signed_up_before_cancelling(p["activity_id"]),
            Category.ACTIVITIES,
            "活动已取消",
            f"您报名的“{p['title']}”已取消{_reason(p)}。",
        )
    ]


def _feedback_reminder(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            node_staff(p["community_id"]),
            Category.ASSESSMENT,
            f"{p['year']}年度表现反馈表签发提醒",
            f"本社区{p['year']}年度在职党员服务社区表现反馈表还有 {p['outstanding']} 份未签发，"
            f"请于{day(p['deadline'])}前完成评定、签发（还有 {p['days_left']} 天）。",
        )
    ]


def _feedback_delivered(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            unit_admins(p["unit_id"]),
            Category.ASSESSMENT,
            "收到在职党员表现反馈表",
            f"{p['community_name']}送达本单位党员{p['year']}年度服务社区表现反馈表 "
            f"{len(p['form_ids'])} 份，请查阅并签收。",
        )
    ]


def _visits_overdue(p: dict[str, Any]) -> list[Notice]:
    audience = member(p["member_id"]) if "member_id" in p else unit_admins(p["unit_id"])
    return [
        Notice(
            audience,
            Category.PAIRING,
            "结对户走访提醒",
            f"您结对帮扶的 {len(p['households'])} 户已超过约定的走访周期"
            f"（最早自{day(p['overdue_since'])}起），请尽快走访并在系统中登记。",
        )
    ]


def _awarded(p: dict[str, Any]) -> list[Notice]:
    return [
        Notice(
            member(p["member_id"]),
            Category.PAIRING,
            f"恭喜您获评“{p['title']}”",
            f"您在“{p['title']}”评选中获评，感谢您的付出！",
        )
    ]


def _post_assigned(p: dict[str, Any]) -> list[Notice]:
    name = POST_NAMES[PostKind(p["post"])]
    return [
        Notice(
            member(p["member_id"]),
            Category.PAIRING,
            f"您已担任{name}",
            f"社区确认您自{day(p['starts_on'])}起担任{name}。",
        )
    ]


NOTICES: dict[str, Callable[[dict[str, Any]], list[Notice]]] = {
    "member_registration.confirmed": _registration,
    "member_registration.returned": _registration_returned,
    "member_registration.receipt_issued": _receipt,
    "unit_registration.confirmed": lambda p: _unit_registration(p, confirmed=True),
    "unit_registration.returned": lambda p: _unit_registration(p, confirmed=False),
    "project.claimed": _project_claimed,
    "project.assigned": _project_assigned,
    "claim.withdrawal_requested": _withdrawal_requested,
    "claim.completed": _claim_completed,
    "task.given": _task_given,
    "wish.claimed": _wish_to_community(
        "微心愿已被认领", "社区的一个微心愿已被党员认领，请关注进展。"
    ),
    "wish.fulfilled": _wish_to_community(
        "微心愿已完成，待确认", "党员报告已完成一个微心愿，请与群众核实后确认。"
    ),
    "wish.confirmed": _wish_to_member(
        "微心愿已确认完成", "您认领的微心愿已确认完成，感谢您的帮助！"
    ),
    "wish.released": _wish_to_member(
        "微心愿认领已释放", "您认领的微心愿已超过期限未完成，已重新开放认领。"
    ),
    "whistle_call.blown": _whistle_blown,
    "whistle_call.escalated": _whistle_escalated,
    "service_record.confirmed": _record_confirmed,
    "service_record.declined": _record_declined,
    "member.star_reached": _star_reached,
    "member_quota.reminder": _quota_reminder,
    "activity_signup.promoted": _promoted,
    "activity.cancelled": _activity_cancelled,
    "feedback.reminder": _feedback_reminder,
    "feedback_form.delivered": _feedback_delivered,
    "pairing.visit_overdue": _visits_overdue,
    "pairing.unit_visit_overdue": _visits_overdue,
    "recognition.awarded": _awarded,
    "member_post.assigned": _post_assigned,
}


def notices_for(event_type: str, payload: dict[str, Any]) -> list[Notice]:
    found = NOTICES.get(event_type)
    return [] if found is None else found(payload)
