"""Cross-level dashboards: figures per node and period, drill-down, export."""

import strawberry


@strawberry.type
class DashboardQuery:
    pass


@strawberry.type
class DashboardMutation:
    pass
