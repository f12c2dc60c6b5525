"""The events log for partners: a query and a live subscription with the same filters and
an opaque cursor."""

import strawberry


@strawberry.type
class EventQuery:
    pass
