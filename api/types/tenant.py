"""县（区）: the tenant as clients see it."""

from datetime import datetime

import strawberry
from strawberry import relay

from tenants.models import Tenant, TenantStatus

TenantStatusType = strawberry.enum(
    TenantStatus,
    name="TenantStatus",
    description="县（区）使用状态",
)


@strawberry.type(name="Tenant", description="县（区）：平台的一个租户")
class TenantType(relay.Node):
    id: relay.NodeID[str]
    county_code: str = strawberry.field(description="县（区）行政区划代码（6 位）")
    name: str = strawberry.field(description="县（区）名称")
    status: TenantStatusType = strawberry.field(description="使用状态")  # type: ignore[valid-type]
    status_reason: str | None = strawberry.field(description="暂停或归档的原因")
    status_changed_at: datetime | None = strawberry.field(description="状态最近变更时间")
    created_at: datetime = strawberry.field(description="开通时间")

    @classmethod
    def from_model(cls, tenant: Tenant) -> "TenantType":
        return cls(
            id=str(tenant.id),
            county_code=tenant.county_code,
            name=tenant.name,
            status=tenant.status,
            status_reason=tenant.status_reason,
            status_changed_at=tenant.status_changed_at,
            created_at=tenant.created_at,
        )
