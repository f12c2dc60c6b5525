"""Queries and mutations of the workers for admins: dead-lettered messages, retrying them."""

import strawberry


@strawberry.type
class WorkerQuery:
    pass


@strawberry.type
class WorkerMutation:
    pass
