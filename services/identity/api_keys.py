"""Partner API keys: the partner role at one node, shown once, kept only as a hash."""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access, audit
from policies.errors import Unauthenticated
from policies.principal import Grant, Principal, PrincipalKind
from services.identity import repository
from services.identity.credentials import (
    INVALID_TOKEN_MESSAGE,
    join_token,
    new_secret,
    now,
    same_secret,
    split_token,
)
from services.identity.errors import ApiKeyNotFound, InvalidName
from services.identity.grants import PARTNER
from services.identity.models import ApiKey
from tenants.hierarchy.service import get_node, ref

KEY_PREFIX = "gjk_"
NAME_MAX_LENGTH = 64
REVOKED_MESSAGE = "该接口密钥已吊销"


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    # The whole key: shown to its creator this once, never again.
    secret: str


async def create_api_key(
    session: AsyncSession, principal: Principal, *, name: str, node_id: int
) -> CreatedKey:
    node = ref(await get_node(session, node_id))
    access.require(session, principal, resource="api_key", action="create", node=node)
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX_LENGTH:
        raise InvalidName(f"密钥名称不能为空，且不超过 {NAME_MAX_LENGTH} 个字", field="name")
    secret, secret_hash = new_secret()
    key = ApiKey(
        tenant_id=bound_tenant(session),
        name=clean_name,
        node_id=node[0],
        scope_path=node[1],
        secret_hash=secret_hash,
        created_by=None if principal.is_platform_admin else principal.id,
    )
    session.add(key)
    await session.flush()
    await audit.record(
        session,
        action="api_key.created",
        actor=principal,
        node=node,
        object_type="api_key",
        object_id=str(key.id),
        detail={"name": key.name},
    )
    return CreatedKey(key=key, secret=join_token(key.id, secret, KEY_PREFIX))


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: UUID) -> ApiKey:
    key = await repository.get_api_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound("未找到该接口密钥", field="id")
    node = (key.node_id, key.scope_path)
    access.require(
        session, principal, resource="api_key", action="revoke", node=node, object_id=str(key.id)
    )
    if key.revoked_at is None:
        key.revoked_at = now()
        await session.flush()
        await audit.record(
            session,
            action="api_key.revoked",
            actor=principal,
            node=node,
            object_type="api_key",
            object_id=str(key.id),
        )
    return key


async def authenticate_api_key(session: AsyncSession, token: str) -> Principal:
    """The partner behind a key, with the partner role at the key's node."""
    key_id, secret = split_token(token, KEY_PREFIX)
    key = await repository.get_api_key(session, key_id)
    if key is None or not same_secret(secret, key.secret_hash):
        raise Unauthenticated(INVALID_TOKEN_MESSAGE)
    if key.revoked_at is not None:
        raise Unauthenticated(REVOKED_MESSAGE)
    await repository.touch_api_key(session, key.id, now())
    return Principal(
        kind=PrincipalKind.API_KEY,
        id=key.id,
        tenant_id=key.tenant_id,
        name=key.name,
        grants=(Grant(role=PARTNER, node_id=key.node_id, path=key.scope_path),),
    )


async def list_api_keys(session: AsyncSession, principal: Principal, page: Page) -> PageOf[ApiKey]:
    scope = access.scope(principal, "api_key", "read", ApiKey.scope_path)
    return await repository.api_keys(session, scope, page)
