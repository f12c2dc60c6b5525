"""Queries and mutations of activities: publishing, sign-up, check-in and finishing."""

import strawberry


@strawberry.type
class ActivityQuery:
    pass


@strawberry.type
class ActivityMutation:
    pass
