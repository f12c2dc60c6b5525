"""Signing in and out, refreshing, and knowing who a request comes from."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import bound_tenant, write_regardless
from infra.observability import client_address_var
from infra.pagination import Page, PageOf
from policies import access, audit
from policies.audit import AuditOutcome
from policies.errors import Unauthenticated
from policies.grants import grants_for_user
from policies.principal import Principal, PrincipalKind
from services.identity import repository
from services.identity.credentials import (
    INVALID_TOKEN_MESSAGE,
    AccessClaims,
    IdentityConfig,
    join_token,
    new_secret,
    now,
    same_secret,
    split_token,
)
from services.identity.errors import (
    AccountDisabled,
    AccountLocked,
    InvalidCredentials,
    InvalidName,
    InvalidUsername,
    UsernameTaken,
    WeakPassword,
)
from services.identity.models import User, UserSession, UserStatus
from tenants.hierarchy.service import get_node, ref
from tenants.models import PLATFORM_TENANT_ID

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.@-]{2,63}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
NAME_MAX_LENGTH = 64
# Failures further apart than this start the count again.
FAILURE_MEMORY = timedelta(days=1)
SESSION_ENDED_MESSAGE = "登录已失效，请重新登录"


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _principal_kind(tenant_id: UUID) -> PrincipalKind:
    return PrincipalKind.PLATFORM_ADMIN if tenant_id == PLATFORM_TENANT_ID else PrincipalKind.USER


async def sign_in(
    session: AsyncSession, config: IdentityConfig, *, username: str, password: str
) -> SignedIn:
    """Check a password in the realm the session is bound to. The answer and the work are
    the same for an unknown account and a wrong password."""
    name = normalize_username(username)[:NAME_MAX_LENGTH]
    at = now()
    throttle = await repository.throttle(session, name)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > at:
        minutes = max(1, -(-(throttle.locked_until - at) // timedelta(minutes=1)))
        _audit_failure(session, name, "locked")
        raise AccountLocked(f"登录失败次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试")
    user = await repository.user_by_username(session, name)
    password_ok = await config.verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        tenant_id = bound_tenant(session)

        async def count(alone: AsyncSession) -> None:
            await repository.count_failure(
                alone,
                name,
                at=at,
                forget_before=at - FAILURE_MEMORY,
                failures_before_lock=config.failures_before_lock,
                max_lock=config.max_lock,
            )

        write_regardless(session, tenant_id, count)
        _audit_failure(session, name, "wrong_credentials")
        raise InvalidCredentials("账号或密码错误")
    if user.status is not UserStatus.ACTIVE:
        _audit_failure(session, name, "disabled")
        raise AccountDisabled("该账号已停用，请联系管理员")
    await repository.clear_failures(session, name)
    if config.needs_rehash(user.password_hash):
        user.password_hash = await config.hash_password(password)
    signed_in = await _open_session(session, config, user, at)
    await audit.record(
        session,
        action="session.signed_in",
        actor=_bare_principal(user),
        node=await _home(session, user),
        object_type="user",
        object_id=str(user.id),
    )
    return signed_in


def _audit_failure(session: AsyncSession, username: str, reason: str) -> None:
    audit.record_refusal(
        session,
        action="session.sign_in",
        outcome=AuditOutcome.FAILED,
        actor=None,
        actor_name=username,
        detail={"reason": reason},
    )


def _bare_principal(user: User) -> Principal:
    return Principal(
        kind=_principal_kind(user.tenant_id), id=user.id, tenant_id=user.tenant_id, name=user.name
    )


async def _home(session: AsyncSession, user: User) -> tuple[int, str] | None:
    if user.node_id is None:
        return None
    return ref(await get_node(session, user.node_id))


async def _open_session(
    session: AsyncSession, config: IdentityConfig, user: User, at: datetime
) -> SignedIn:
    secret, secret_hash = new_secret()
    user_session = UserSession(
        tenant_id=user.tenant_id,
        user_id=user.id,
        refresh_hash=secret_hash,
        expires_at=at + config.refresh_ttl,
        client_address=client_address_var.get(),
    )
    session.add(user_session)
    await session.flush()
    return _tokens(config, user, user_session, secret, at)


def _tokens(
    config: IdentityConfig, user: User, user_session: UserSession, secret: str, at: datetime
) -> SignedIn:
    claims = AccessClaims(user_id=user.id, tenant_id=user.tenant_id, session_id=user_session.id)
    access_token, access_expires_at = config.access_token(claims, at)
    return SignedIn(
        user=user,
        access_token=access_token,
        access_expires_at=access_expires_at,
        refresh_token=join_token(user_session.id, secret),
        refresh_expires_at=user_session.expires_at,
    )


async def refresh(session: AsyncSession, config: IdentityConfig, refresh_token: str) -> SignedIn:
    """A new access token and a new refresh token; the old refresh token stops working.
    Presenting a replaced refresh token again ends the session (it was copied)."""
    session_id, secret = split_token(refresh_token)
    at = now()
    user_session = await repository.session_for_update(session, session_id)
    if user_session is None:
        raise Unauthenticated(INVALID_TOKEN_MESSAGE)
    if user_session.revoked_at is not None or user_session.expires_at <= at:
        raise Unauthenticated(SESSION_ENDED_MESSAGE)
    if same_secret(secret, user_session.previous_refresh_hash):

        async def end(alone: AsyncSession) -> None:
            await repository.revoke_session(alone, session_id, at)

        write_regardless(session, user_session.tenant_id, end)
        audit.record_refusal(
            session,
            action="session.refresh",
            outcome=AuditOutcome.DENIED,
            actor=None,
            object_type="session",
            object_id=str(session_id),
            detail={"reason": "refresh_token_reused"},
        )
        raise Unauthenticated(SESSION_ENDED_MESSAGE)
    if not same_secret(secret, user_session.refresh_hash):
        raise Unauthenticated(INVALID_TOKEN_MESSAGE)
    user = await repository.get_user(session, user_session.user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise Unauthenticated(SESSION_ENDED_MESSAGE)
    new, new_hash = new_secret()
    user_session.previous_refresh_hash = user_session.refresh_hash
    user_session.refresh_hash = new_hash
    user_session.refreshed_at = at
    await session.flush()
    return _tokens(config, user, user_session, new, at)


async def sign_out(session: AsyncSession, principal: Principal) -> None:
    """End the principal's session: its refresh token and access tokens stop working."""
    if principal.session_id is None:
        return
    await repository.revoke_session(session, principal.session_id, now())
    await audit.record(
        session,
        action="session.signed_out",
        actor=principal,
        object_type="session",
        object_id=str(principal.session_id),
    )


def read_access_token(config: IdentityConfig, token: str) -> AccessClaims:
    return config.read_access_token(token)


async def authenticate(session: AsyncSession, claims: AccessClaims) -> Principal:
    """The principal behind a verified access token, in the realm the session is bound to.
    Its roles come from the database (through the enforcer cache), never from the token."""
    found = await repository.session_and_user(session, claims.session_id, claims.user_id)
    if found is None:
        raise Unauthenticated(INVALID_TOKEN_MESSAGE)
    user_session, user = found
    if user_session.revoked_at is not None or user.status is not UserStatus.ACTIVE:
        raise Unauthenticated(SESSION_ENDED_MESSAGE)
    kind = _principal_kind(user.tenant_id)
    grants = (
        ()
        if kind is PrincipalKind.PLATFORM_ADMIN
        else await grants_for_user(session, user.tenant_id, user.id)
    )
    return Principal(
        kind=kind,
        id=user.id,
        tenant_id=user.tenant_id,
        name=user.name,
        grants=grants,
        session_id=user_session.id,
        unit_id=user.unit_id,
        member_id=user.member_id,
    )


def check_account(username: str, name: str, password: str) -> tuple[str, str]:
    clean_username = normalize_username(username)
    if not USERNAME.match(clean_username):
        raise InvalidUsername(
            "账号应为 3 到 64 位，以字母或数字开头，只含字母、数字和 _ . @ -",
            field="username",
        )
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX_LENGTH:
        raise InvalidName(f"姓名不能为空，且不超过 {NAME_MAX_LENGTH} 个字", field="name")
    if (
        not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH
        or password.isdigit()
        or password.isalpha()
    ):
        raise WeakPassword(
            f"密码应为 {PASSWORD_MIN_LENGTH} 到 {PASSWORD_MAX_LENGTH} 位，且同时包含字母和数字",
            field="password",
        )
    return clean_username, clean_name


async def _add_user(
    session: AsyncSession,
    config: IdentityConfig,
    *,
    username: str,
    name: str,
    password: str,
    node: tuple[int, str] | None,
) -> User:
    clean_username, clean_name = check_account(username, name, password)
    if await repository.user_by_username(session, clean_username) is not None:
        raise UsernameTaken(f"账号 {clean_username} 已存在", field="username")
    user = User(
        tenant_id=bound_tenant(session),
        username=clean_username,
        name=clean_name,
        password_hash=await config.hash_password(password),
        node_id=node[0] if node else None,
        scope_path=node[1] if node else None,
        status=UserStatus.ACTIVE,
    )
    session.add(user)
    await session.flush()
    return user


async def create_user(
    session: AsyncSession,
    principal: Principal,
    config: IdentityConfig,
    *,
    username: str,
    name: str,
    password: str,
    node_id: int,
) -> User:
    """An account kept at `node_id` (it holds no role until one is granted)."""
    node = ref(await get_node(session, node_id))
    access.require(session, principal, resource="user", action="create", node=node)
    user = await _add_user(
        session, config, username=username, name=name, password=password, node=node
    )
    await audit.record(
        session,
        action="user.created",
        actor=principal,
        node=node,
        object_type="user",
        object_id=str(user.id),
        detail={"username": user.username},
    )
    return user


async def create_platform_admin(
    session: AsyncSession, config: IdentityConfig, *, username: str, name: str, password: str
) -> User:
    """A platform admin (from the command line; the session is bound to the platform)."""
    user = await _add_user(
        session, config, username=username, name=name, password=password, node=None
    )
    await audit.record(
        session,
        action="user.created",
        actor=None,
        actor_name="command line",
        object_type="user",
        object_id=str(user.id),
        detail={"username": user.username, "role": "platform_admin"},
    )
    return user


async def list_users(
    session: AsyncSession, principal: Principal, search: str | None, page: Page
) -> PageOf[User]:
    scope = access.scope(principal, "user", "read", User.scope_path)
    return await repository.users(session, scope, search.strip() if search else None, page)
