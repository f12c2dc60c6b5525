"""The caller's notifications: the inbox and the preferences."""

import strawberry


@strawberry.type
class NotificationQuery:
    pass


@strawberry.type
class NotificationMutation:
    pass
