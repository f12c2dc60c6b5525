"""Queries and mutations of signing in, accounts, role grants, partner keys, the audit log."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.connections import connection, page
from api.context import Context
from api.hierarchy import NODE
from api.ids import int_id, uuid_id
from api.results import MutationError, attempt
from api.types.identity import (
    ApiKeyType,
    Assignment,
    AuditEntryType,
    AuditOutcomeType,
    RoleGrantType,
    RoleType,
    UserType,
    Viewer,
)
from policies.audit import AuditOutcome
from policies.roles import Role
from services.audit.service import entries
from services.identity import api_keys, grants
from services.identity import service as identity
from services.identity.service import SignedIn


@strawberry.type(description="已登录：访问令牌短期有效，刷新令牌每次使用后更换")
class SignInSuccess:
    access_token: str = strawberry.field(description="访问令牌：请求头 Authorization: Bearer …")
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(description="刷新令牌：用于 refreshSession，只能用一次")
    refresh_token_expires_at: datetime
    user: UserType

    @classmethod
    def of(cls, signed_in: SignedIn) -> "SignInSuccess":
        return cls(
            access_token=signed_in.access_token,
            access_token_expires_at=signed_in.access_expires_at,
            refresh_token=signed_in.refresh_token,
            refresh_token_expires_at=signed_in.refresh_expires_at,
            user=UserType.from_model(signed_in.user),
        )


@strawberry.type(description="操作已完成")
class Done:
    ok: bool = True


@strawberry.type(description="账号已创建")
class UserSuccess:
    user: UserType


@strawberry.type(description="授权已生效或已撤销")
class RoleGrantSuccess:
    grant: RoleGrantType


@strawberry.type(description="接口密钥已创建：完整密钥只在此显示一次，请立即妥善保存")
class ApiKeyCreated:
    api_key: ApiKeyType
    key: str = strawberry.field(description="完整密钥（只显示这一次）")


@strawberry.type(description="接口密钥已吊销")
class ApiKeyRevoked:
    api_key: ApiKeyType


SignInResult = Annotated[SignInSuccess | MutationError, strawberry.union("SignInResult")]
SignOutResult = Annotated[Done | MutationError, strawberry.union("SignOutResult")]
UserResult = Annotated[UserSuccess | MutationError, strawberry.union("UserResult")]
RoleGrantResult = Annotated[RoleGrantSuccess | MutationError, strawberry.union("RoleGrantResult")]
CreateApiKeyResult = Annotated[
    ApiKeyCreated | MutationError, strawberry.union("CreateApiKeyResult")
]
RevokeApiKeyResult = Annotated[
    ApiKeyRevoked | MutationError, strawberry.union("RevokeApiKeyResult")
]


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="当前调用者及其角色")
    async def me(self, info: Info[Context, None]) -> Viewer:
        principal = await info.context.principal()
        return Viewer(
            kind=principal.kind,
            id=strawberry.ID(str(principal.id)),
            name=principal.name,
            roles=[Assignment.from_grant(grant) for grant in principal.grants],
            unit_id=principal.unit_id,
            member_id=principal.member_id,
        )

    @strawberry.field(description="您有权查看的账号，按账号排序")
    async def users(
        self,
        info: Info[Context, None],
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> relay.Connection[UserType]:
        principal = await info.context.principal()
        result = await identity.list_users(
            await info.context.uow.session(), principal, search, page(first, after)
        )
        return connection(result, UserType.from_model, lambda u: (u.username,))

    @strawberry.field(description="您有权查看的授权")
    async def role_grants(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection[RoleGrantType]:
        principal = await info.context.principal()
        result = await grants.list_grants(
            await info.context.uow.session(), principal, page(first, after)
        )
        return connection(result, RoleGrantType.from_model, lambda g: (g.scope_path, g.id))

    @strawberry.field(description="您有权查看的接口密钥")
    async def api_keys(
        self, info: Info[Context, None], first: int = 20, after: str | None = None
    ) -> relay.Connection[ApiKeyType]:
        principal = await info.context.principal()
        result = await api_keys.list_api_keys(
            await info.context.uow.session(), principal, page(first, after)
        )
        return connection(result, ApiKeyType.from_model, lambda k: (k.created_at, k.id))

    @strawberry.field(description="审计日志，最新的在前（县（区）管理员、审计员）")
    async def audit_log(
        self,
        info: Info[Context, None],
        first: int = 20,
        after: str | None = None,
        action: str | None = None,
        outcome: AuditOutcomeType | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[AuditEntryType]:
        principal = await info.context.principal()
        result = await entries(
            await info.context.uow.session(),
            principal,
            page(first, after),
            action=action,
            outcome=AuditOutcome(outcome) if outcome else None,
        )
        return connection(result, AuditEntryType.from_model, lambda e: (e.id,))


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="用账号和密码登录；县（区）账号须带请求头 X-County-Code，平台管理员不带"
    )
    async def sign_in(
        self, info: Info[Context, None], username: str, password: str
    ) -> SignInResult:
        async def work() -> SignInSuccess:
            session = await info.context.realm_session()
            signed_in = await identity.sign_in(
                session, info.context.identity, username=username, password=password
            )
            return SignInSuccess.of(signed_in)

        return await attempt(info, work)

    @strawberry.mutation(description="用刷新令牌换取新的访问令牌和刷新令牌")
    async def refresh_session(self, info: Info[Context, None], refresh_token: str) -> SignInResult:
        async def work() -> SignInSuccess:
            session = await info.context.realm_session()
            return SignInSuccess.of(
                await identity.refresh(session, info.context.identity, refresh_token)
            )

        return await attempt(info, work)

    @strawberry.mutation(description="退出登录：本次登录的令牌全部失效")
    async def sign_out(self, info: Info[Context, None]) -> SignOutResult:
        async def work() -> Done:
            principal = await info.context.principal()
            await identity.sign_out(await info.context.uow.session(), principal)
            return Done()

        return await attempt(info, work)

    @strawberry.mutation(description="在某节点建立账号（角色另行授予）")
    async def create_user(
        self,
        info: Info[Context, None],
        username: str,
        name: str,
        password: str,
        node_id: relay.GlobalID,
    ) -> UserResult:
        async def work() -> UserSuccess:
            principal = await info.context.principal()
            user = await identity.create_user(
                await info.context.uow.session(),
                principal,
                info.context.identity,
                username=username,
                name=name,
                password=password,
                node_id=int_id(node_id, NODE, "nodeId"),
            )
            return UserSuccess(user=UserType.from_model(user))

        return await attempt(info, work)

    @strawberry.mutation(description="在某节点授予用户角色（作用于该节点及其以下）")
    async def grant_role(
        self,
        info: Info[Context, None],
        user_id: relay.GlobalID,
        role: RoleType,  # type: ignore[valid-type]
        node_id: relay.GlobalID,
    ) -> RoleGrantResult:
        async def work() -> RoleGrantSuccess:
            principal = await info.context.principal()
            grant = await grants.grant_role(
                await info.context.uow.session(),
                principal,
                user_id=uuid_id(user_id, "User", "userId"),
                role=Role(role).value,
                node_id=int_id(node_id, NODE, "nodeId"),
            )
            return RoleGrantSuccess(grant=RoleGrantType.from_model(grant))

        return await attempt(info, work)

    @strawberry.mutation(description="撤销一项授权")
    async def revoke_role(
        self, info: Info[Context, None], grant_id: relay.GlobalID
    ) -> RoleGrantResult:
        async def work() -> RoleGrantSuccess:
            principal = await info.context.principal()
            grant = await grants.revoke_role(
                await info.context.uow.session(),
                principal,
                int_id(grant_id, "RoleGrant", "grantId"),
            )
            return RoleGrantSuccess(grant=RoleGrantType.from_model(grant))

        return await attempt(info, work)

    @strawberry.mutation(description="为合作系统创建接口密钥（合作系统角色，作用于该节点及其以下）")
    async def create_api_key(
        self, info: Info[Context, None], name: str, node_id: relay.GlobalID
    ) -> CreateApiKeyResult:
        async def work() -> ApiKeyCreated:
            principal = await info.context.principal()
            created = await api_keys.create_api_key(
                await info.context.uow.session(),
                principal,
                name=name,
                node_id=int_id(node_id, NODE, "nodeId"),
            )
            return ApiKeyCreated(api_key=ApiKeyType.from_model(created.key), key=created.secret)

        return await attempt(info, work)

    @strawberry.mutation(description="吊销接口密钥")
    async def revoke_api_key(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> RevokeApiKeyResult:
        async def work() -> ApiKeyRevoked:
            principal = await info.context.principal()
            key = await api_keys.revoke_api_key(
                await info.context.uow.session(), principal, uuid_id(id, "ApiKey")
            )
            return ApiKeyRevoked(api_key=ApiKeyType.from_model(key))

        return await attempt(info, work)
