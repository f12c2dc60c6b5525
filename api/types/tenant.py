"""县（区）: the tenant as clients see it."""

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

    @classmethod
    def from_model(cls, tenant: Tenant) -> "TenantType":
        return cls(
            id=str(tenant.id),
            county_code=tenant.county_code,
            name=tenant.name,
            status=tenant.status,
        )
