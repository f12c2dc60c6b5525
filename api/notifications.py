"""The caller's notifications: the inbox and the preferences."""

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.ids import int_id
from api.results import MutationError, run_step
from api.types.notifications import (
    NotificationCategoryType,
    NotificationPreferencesInput,
    NotificationType,
    PreferencesType,
)
from policies.principal import Principal
from services.notifications import inbox, preferences
from services.notifications.errors import InvalidPreferences
from services.notifications.models import Category

NOTIFICATION = "Notification"


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="本人的站内消息，最新的在前")
    async def notifications(
        self,
        info: Info[Context, None],
        unread: Annotated[
            bool | None, strawberry.argument(description="true 只看未读，false 只看已读")
        ] = None,
        category: NotificationCategoryType | None = None,  # type: ignore[valid-type]
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[NotificationType]:
        principal, session = await info.context.principal(), await info.context.session()
        found = await inbox.page_of(
            session, principal, page(first, after), unread=unread, category=category
        )
        return connection(found, NotificationType.of, lambda n: (n.id,))

    @strawberry.field(description="本人未读的站内消息条数")
    async def unread_notification_count(self, info: Info[Context, None]) -> int:
        principal, session = await info.context.principal(), await info.context.session()
        return await inbox.unread_count(session, principal)

    @strawberry.field(description="本人的消息设置：各类消息的通知方式、联系方式、免打扰时段")
    async def notification_preferences(self, info: Info[Context, None]) -> PreferencesType:
        principal, session = await info.context.principal(), await info.context.session()
        return PreferencesType.of(await preferences.read(session, principal, info.context.personal))


@strawberry.type(description="消息已标记为已读")
class MarkNotificationsReadSuccess:
    notifications: list[NotificationType]
    unread_count: int = strawberry.field(description="余下未读条数")


@strawberry.type(description="全部消息已标记为已读")
class MarkAllNotificationsReadSuccess:
    marked: int = strawberry.field(description="本次标记的条数")


@strawberry.type(description="消息设置已保存")
class NotificationPreferencesSuccess:
    preferences: PreferencesType


MarkNotificationsReadResult = Annotated[
    MarkNotificationsReadSuccess | MutationError, strawberry.union("MarkNotificationsReadResult")
]
MarkAllNotificationsReadResult = Annotated[
    MarkAllNotificationsReadSuccess | MutationError,
    strawberry.union("MarkAllNotificationsReadResult"),
]
NotificationPreferencesResult = Annotated[
    NotificationPreferencesSuccess | MutationError,
    strawberry.union("NotificationPreferencesResult"),
]


def _changes(given: NotificationPreferencesInput) -> preferences.Changes:
    categories = None
    if given.categories is not None:
        chosen = [Category(c.category) for c in given.categories]
        if len(set(chosen)) != len(chosen):
            raise InvalidPreferences("同一类消息只能设置一次", field="categories")
        categories = {Category(c.category): list(c.channels) for c in given.categories}
    return preferences.Changes(
        categories=categories,
        mobile=None if given.mobile is None else given.mobile.strip(),
        email=None if given.email is None else given.email.strip(),
        wechat_openid=None if given.wechat_open_id is None else given.wechat_open_id.strip(),
        quiet_enabled=given.quiet_hours_enabled,
        quiet_from=given.quiet_from,
        quiet_until=given.quiet_until,
    )


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="把本人的几条消息标记为已读（一次 1 至 200 条）")
    async def mark_notifications_read(
        self, info: Info[Context, None], ids: list[relay.GlobalID]
    ) -> MarkNotificationsReadResult:
        async def step(session: AsyncSession, principal: Principal) -> MarkNotificationsReadSuccess:
            wanted = [int_id(i, NOTIFICATION, "ids") for i in ids]
            marked = await inbox.mark_read(session, principal, wanted)
            return MarkNotificationsReadSuccess(
                notifications=[NotificationType.of(n) for n in marked],
                unread_count=await inbox.unread_count(session, principal),
            )

        return await run_step(info, step)

    @strawberry.mutation(description="把本人的全部未读消息标记为已读")
    async def mark_all_notifications_read(
        self, info: Info[Context, None]
    ) -> MarkAllNotificationsReadResult:
        async def step(
            session: AsyncSession, principal: Principal
        ) -> MarkAllNotificationsReadSuccess:
            return MarkAllNotificationsReadSuccess(
                marked=await inbox.mark_all_read(session, principal)
            )

        return await run_step(info, step)

    @strawberry.mutation(
        description="修改本人的消息设置：各类消息的站外通知方式、手机号、邮箱、微信绑定、免打扰时段"
    )
    async def set_notification_preferences(
        self, info: Info[Context, None], input: NotificationPreferencesInput
    ) -> NotificationPreferencesResult:
        async def step(
            session: AsyncSession, principal: Principal
        ) -> NotificationPreferencesSuccess:
            saved = await preferences.update(
                session, principal, info.context.personal, _changes(input)
            )
            return NotificationPreferencesSuccess(preferences=PreferencesType.of(saved))

        return await run_step(info, step)
