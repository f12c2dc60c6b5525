"""Queries of scoring: members' and units' totals, star levels, quotas and the at-risk
lists."""

import strawberry


@strawberry.type
class ScoreQuery:
    pass
