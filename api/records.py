"""Queries and mutations of service records: recording, confirming, correcting, totals."""

import strawberry


@strawberry.type
class ServiceRecordQuery:
    pass


@strawberry.type
class ServiceRecordMutation:
    pass
