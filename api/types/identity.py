"""Accounts, role grants, the caller, partner keys and the audit log as clients see them."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import Context
from api.types.hierarchy import HierarchyNodeType, load_node
from api.types.registry import MemberType, UnitType, load_member, load_unit
from policies.audit import AuditEntry, AuditOutcome
from policies.models import RoleGrant
from policies.principal import Grant, PrincipalKind
from policies.roles import ROLE_NAMES, Role
from services.identity.api_keys import KEY_PREFIX
from services.identity.models import ApiKey, User, UserStatus

RoleType = strawberry.enum(
    Role,
    name="Role",
    description="角色：" + "；".join(f"{role.value} {name}" for role, name in ROLE_NAMES.items()),
)
UserStatusType = strawberry.enum(UserStatus, name="UserStatus", description="账号状态")
PrincipalKindType = strawberry.enum(
    PrincipalKind, name="PrincipalKind", description="调用者类型：用户、平台管理员或合作系统"
)
AuditOutcomeType = strawberry.enum(
    AuditOutcome, name="AuditOutcome", description="结果：成功、被拒绝或失败"
)


@strawberry.type(name="RoleGrant", description="在某节点授予某用户的角色（含该节点以下）")
class RoleGrantType(relay.Node):
    id: relay.NodeID[int]
    role: RoleType = strawberry.field(description="角色")  # type: ignore[valid-type]
    granted_at: datetime = strawberry.field(description="授予时间")
    node_id: strawberry.Private[int]
    user_id: strawberry.Private[Any]

    @classmethod
    def from_model(cls, grant: RoleGrant) -> "RoleGrantType":
        return cls(
            id=grant.id,
            role=Role(grant.role),
            granted_at=grant.granted_at,
            node_id=grant.node_id,
            user_id=grant.user_id,
        )

    @strawberry.field(description="角色所在节点")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)

    @strawberry.field(description="获授角色的用户")
    async def user(self, info: Info[Context, None]) -> "UserType | None":
        user = await info.context.loaders.user.load(self.user_id)
        return None if user is None else UserType.from_model(user)


@strawberry.type(name="User", description="平台账号")
class UserType(relay.Node):
    id: relay.NodeID[str]
    username: str = strawberry.field(description="账号")
    name: str = strawberry.field(description="姓名")
    status: UserStatusType = strawberry.field(description="状态")  # type: ignore[valid-type]
    node_id: strawberry.Private[int | None]
    user_id: strawberry.Private[Any]
    unit_id: strawberry.Private[int | None]
    member_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, user: User) -> "UserType":
        return cls(
            id=str(user.id),
            username=user.username,
            name=user.name,
            status=user.status,
            node_id=user.node_id,
            user_id=user.id,
            unit_id=user.unit_id,
            member_id=user.member_id,
        )

    @strawberry.field(description="账号管理的单位党组织（单位党组织管理员）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.unit_id)

    @strawberry.field(description="账号本人对应的党员（在职党员）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)

    @strawberry.field(description="账号所属节点")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)

    @strawberry.field(description="该用户拥有的角色")
    async def roles(self, info: Info[Context, None]) -> list[RoleGrantType]:
        grants = await info.context.loaders.grants_of_user.load(self.user_id)
        return [RoleGrantType.from_model(grant) for grant in grants]


@strawberry.type(description="角色及其所在节点")
class Assignment:
    role: RoleType = strawberry.field(description="角色")  # type: ignore[valid-type]
    node_id: strawberry.Private[int]

    @classmethod
    def from_grant(cls, grant: Grant) -> "Assignment":
        return cls(role=Role(grant.role), node_id=grant.node_id)

    @strawberry.field(description="角色所在节点（及其以下）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)


@strawberry.type(description="当前调用者")
class Viewer:
    kind: PrincipalKindType = strawberry.field(description="调用者类型")  # type: ignore[valid-type]
    id: strawberry.ID = strawberry.field(description="账号或密钥编号")
    name: str = strawberry.field(description="姓名或密钥名称")
    roles: list[Assignment] = strawberry.field(description="角色与所在节点（从数据库读取）")
    unit_id: strawberry.Private[int | None] = None
    member_id: strawberry.Private[int | None] = None

    @strawberry.field(description="本账号管理的单位党组织（如有）")
    async def unit(self, info: Info[Context, None]) -> UnitType | None:
        return await load_unit(info, self.unit_id)

    @strawberry.field(description="本账号本人对应的党员（如有）")
    async def member(self, info: Info[Context, None]) -> MemberType | None:
        return await load_member(info, self.member_id)


@strawberry.type(name="ApiKey", description="合作系统的接口密钥（只保存其摘要）")
class ApiKeyType(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="名称")
    prefix: str = strawberry.field(description="密钥开头，用于辨认")
    created_at: datetime = strawberry.field(description="创建时间")
    revoked_at: datetime | None = strawberry.field(description="吊销时间")
    last_used_at: datetime | None = strawberry.field(description="最近使用时间（精确到分钟）")
    node_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, key: ApiKey) -> "ApiKeyType":
        return cls(
            id=str(key.id),
            name=key.name,
            prefix=f"{KEY_PREFIX}{key.id.hex[:8]}",
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
            node_id=key.node_id,
        )

    @strawberry.field(description="合作系统可访问的节点（及其以下）")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)


@strawberry.type(name="AuditEntry", description="审计日志的一条记录")
class AuditEntryType(relay.Node):
    id: relay.NodeID[int]
    occurred_at: datetime = strawberry.field(description="时间")
    actor_kind: str = strawberry.field(
        description="操作者类型：user、platform_admin、api_key、anonymous"
    )
    actor_id: str | None = strawberry.field(description="操作者编号")
    actor_name: str | None = strawberry.field(description="操作者姓名或所用账号")
    action: str = strawberry.field(description="操作，如 role_grant.created")
    outcome: AuditOutcomeType = strawberry.field(description="结果")  # type: ignore[valid-type]
    object_type: str | None = strawberry.field(description="对象类型")
    object_id: str | None = strawberry.field(description="对象编号")
    detail: JSON = strawberry.field(description="详情")
    client_address: str | None = strawberry.field(description="客户端地址")
    request_id: str | None = strawberry.field(description="请求编号（X-Request-ID）")
    node_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, entry: AuditEntry) -> "AuditEntryType":
        return cls(
            id=entry.id,
            occurred_at=entry.occurred_at,
            actor_kind=entry.actor_kind,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            action=entry.action,
            outcome=entry.outcome,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,  # type: ignore[arg-type]
            client_address=entry.client_address,
            request_id=entry.request_id,
            node_id=entry.node_id,
        )

    @strawberry.field(description="涉及的节点")
    async def node(self, info: Info[Context, None]) -> HierarchyNodeType | None:
        return await load_node(info, self.node_id)
