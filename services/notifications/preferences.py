"""A user's notification preferences: the channels of each category, how they are
reached (a mobile of their own, else a member's own; a WeChat binding; an e-mail
address) and their quiet hours."""

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from infra.personal_data import PersonalData, mask_mobile
from policies.principal import Principal
from services.identity.models import User
from services.notifications.consumers import DEFAULT_CHANNELS
from services.notifications.errors import InvalidPreferences
from services.notifications.inbox import owner
from services.notifications.models import (
    CATEGORY_NAMES,
    CHANNEL_NAMES,
    Category,
    Channel,
    Contact,
    Preference,
)
from services.notifications.sending import mask_address
from services.registry.models import Member

MOBILE = re.compile(r"1[3-9]\d{9}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
OPENID = re.compile(r"[A-Za-z0-9_-]{16,64}")
DEFAULT_QUIET = (time(22, 0), time(7, 0))
ADDRESS_NAMES = {Channel.SMS: "手机号", Channel.WECHAT: "微信绑定", Channel.EMAIL: "电子邮箱"}
# A value that clears an address.
CLEAR = ""


@dataclass(frozen=True)
class CategoryChoice:
    category: Category
    channels: tuple[Channel, ...]
    # Nothing chosen: the category's default.
    default: bool


@dataclass(frozen=True)
class Preferences:
    categories: list[CategoryChoice]
    # Masked; `mobile_is_members` when it is the member's registered number.
    mobile: str | None
    mobile_is_members: bool
    email: str | None
    wechat_bound: bool
    quiet_enabled: bool
    quiet_from: time
    quiet_until: time


@dataclass(frozen=True)
class Changes:
    """What a user changes; None leaves it as it is, `CLEAR` removes an address."""

    categories: dict[Category, list[Channel]] | None = None
    mobile: str | None = None
    email: str | None = None
    wechat_openid: str | None = None
    quiet_enabled: bool | None = None
    quiet_from: time | None = None
    quiet_until: time | None = None


async def _member_mobile(session: AsyncSession, user_id: Any) -> bytes | None:
    query = select(Member.mobile_sealed).join(User, User.member_id == Member.id)
    sealed: bytes | None = await session.scalar(query.where(User.id == user_id))
    return sealed


async def read(session: AsyncSession, principal: Principal, personal: PersonalData) -> Preferences:
    user_id = owner(principal)
    chosen = {
        p.category: tuple(p.channels)
        for p in await session.scalars(select(Preference).where(Preference.user_id == user_id))
    }
    contact = await session.get(Contact, (principal.tenant_id, user_id))
    own_mobile = contact.mobile_sealed if contact is not None else None
    sealed = own_mobile or await _member_mobile(session, user_id)
    return Preferences(
        categories=[
            CategoryChoice(c, chosen.get(c, DEFAULT_CHANNELS[c]), c not in chosen) for c in Category
        ],
        mobile=None if sealed is None else mask_mobile(personal.open(sealed)),
        mobile_is_members=own_mobile is None and sealed is not None,
        email=None
        if contact is None or contact.email is None
        else mask_address(Channel.EMAIL, contact.email),
        wechat_bound=contact is not None and contact.wechat_openid is not None,
        quiet_enabled=True if contact is None else contact.quiet_enabled,
        quiet_from=DEFAULT_QUIET[0] if contact is None else contact.quiet_from,
        quiet_until=DEFAULT_QUIET[1] if contact is None else contact.quiet_until,
    )


def _checked(changes: Changes) -> None:
    if changes.mobile and not MOBILE.fullmatch(changes.mobile):
        raise InvalidPreferences("手机号应为 11 位数字，以 13 至 19 开头", field="mobile")
    if changes.email and (len(changes.email) > 254 or not EMAIL.fullmatch(changes.email)):
        raise InvalidPreferences("电子邮箱格式不正确，例如 zhangsan@example.cn", field="email")
    if changes.wechat_openid and not OPENID.fullmatch(changes.wechat_openid):
        raise InvalidPreferences("微信绑定标识（openid）格式不正确", field="wechatOpenId")


async def update(
    session: AsyncSession, principal: Principal, personal: PersonalData, changes: Changes
) -> Preferences:
    user_id = owner(principal)
    _checked(changes)
    contact = await session.get(Contact, (principal.tenant_id, user_id), with_for_update=True)
    if contact is None:
        contact = Contact(tenant_id=principal.tenant_id, user_id=user_id)
        session.add(contact)
    if changes.mobile is not None:
        contact.mobile_sealed = personal.seal(changes.mobile) if changes.mobile else None
    if changes.email is not None:
        contact.email = changes.email or None
    if changes.wechat_openid is not None:
        contact.wechat_openid = changes.wechat_openid or None
    if changes.quiet_enabled is not None:
        contact.quiet_enabled = changes.quiet_enabled
    if changes.quiet_from is not None:
        contact.quiet_from = changes.quiet_from
    if changes.quiet_until is not None:
        contact.quiet_until = changes.quiet_until
    await session.flush()
    if contact.quiet_from == contact.quiet_until:
        raise InvalidPreferences("免打扰的开始和结束时间不能相同", field="quietHours")
    for category, channels in (changes.categories or {}).items():
        await session.execute(
            insert(Preference)
            .values(
                tenant_id=principal.tenant_id,
                user_id=user_id,
                category=category,
                channels=list(dict.fromkeys(channels)),
            )
            .on_conflict_do_update(
                index_elements=["tenant_id", "user_id", "category"],
                set_={"channels": list(dict.fromkeys(channels))},
            )
        )
    await _reachable(session, user_id, contact)
    return await read(session, principal, personal)


async def _reachable(session: AsyncSession, user_id: Any, contact: Contact) -> None:
    """Every channel the user chose for a category (now, or before) reaches them."""
    reachable = {
        Channel.SMS: contact.mobile_sealed is not None
        or await _member_mobile(session, user_id) is not None,
        Channel.WECHAT: contact.wechat_openid is not None,
        Channel.EMAIL: contact.email is not None,
    }
    chosen = await session.scalars(
        select(Preference).where(Preference.user_id == user_id).order_by(Preference.category)
    )
    for preference in chosen:
        for channel in preference.channels:
            if not reachable[channel]:
                raise InvalidPreferences(
                    f"“{CATEGORY_NAMES[preference.category]}”选择了通过{CHANNEL_NAMES[channel]}"
                    f"通知，但没有可用的{ADDRESS_NAMES[channel]}：请先填写，或取消该通知方式",
                    field="categories",
                )
