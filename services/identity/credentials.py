"""Passwords (argon2id), access tokens (signed, short-lived) and opaque secrets."""

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from infra.secrets import signing_key
from infra.settings import Settings
from policies.errors import Unauthenticated

ACCESS_TOKEN_ALGORITHM = "HS256"  # noqa: S105 (a name, not a secret)
EXPIRED_MESSAGE = "登录已过期，请刷新登录或重新登录"
INVALID_TOKEN_MESSAGE = "登录凭证无效，请重新登录"  # noqa: S105


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    tenant_id: UUID
    session_id: UUID


@dataclass(frozen=True)
class IdentityConfig:
    """How accounts sign in: the token key and lifetimes, the back-off, the hash cost."""

    key: bytes = field(repr=False)
    access_ttl: timedelta
    refresh_ttl: timedelta
    failures_before_lock: int
    max_lock: timedelta
    password_time_cost: int
    password_memory_kib: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "IdentityConfig":
        return cls(
            key=signing_key(settings),
            access_ttl=timedelta(minutes=settings.access_token_minutes),
            refresh_ttl=timedelta(days=settings.refresh_token_days),
            failures_before_lock=settings.sign_in_failures_before_lock,
            max_lock=timedelta(minutes=settings.sign_in_max_lock_minutes),
            password_time_cost=settings.password_time_cost,
            password_memory_kib=settings.password_memory_kib,
        )

    @cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.password_time_cost, memory_cost=self.password_memory_kib
        )

    @cached_property
    def _decoy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(16))

    async def hash_password(self, password: str) -> str:
        # Tens of milliseconds of CPU: off the event loop.
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify_password(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no account, check against a decoy so the time is the same."""
        target = self._decoy_hash if password_hash is None else password_hash
        try:
            matched = await asyncio.to_thread(self.hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    def access_token(self, claims: AccessClaims, now: datetime) -> tuple[str, datetime]:
        expires_at = now + self.access_ttl
        payload: dict[str, Any] = {
            "sub": str(claims.user_id),
            "tid": str(claims.tenant_id),
            "sid": str(claims.session_id),
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(payload, self.key, algorithm=ACCESS_TOKEN_ALGORITHM), expires_at

    def read_access_token(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self.key,
                algorithms=[ACCESS_TOKEN_ALGORITHM],
                options={"require": ["sub", "tid", "sid", "exp"]},
            )
            return AccessClaims(
                user_id=UUID(payload["sub"]),
                tenant_id=UUID(payload["tid"]),
                session_id=UUID(payload["sid"]),
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated(EXPIRED_MESSAGE) from error
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise Unauthenticated(INVALID_TOKEN_MESSAGE) from error


def now() -> datetime:
    return datetime.now(UTC)


def new_secret() -> tuple[str, bytes]:
    """A random secret and the hash kept of it (the secret is high-entropy, so SHA-256)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def same_secret(secret: str, stored_hash: bytes | None) -> bool:
    return stored_hash is not None and hmac.compare_digest(secret_hash(secret), stored_hash)


def split_token(token: str, prefix: str = "") -> tuple[UUID, str]:
    """`<prefix><id hex>.<secret>` → (id, secret); anything else is not a token of ours."""
    if not token.startswith(prefix):
        raise Unauthenticated(INVALID_TOKEN_MESSAGE)
    identifier, _, secret = token[len(prefix) :].partition(".")
    try:
        return UUID(hex=identifier), secret
    except ValueError as error:
        raise Unauthenticated(INVALID_TOKEN_MESSAGE) from error


def join_token(identifier: UUID, secret: str, prefix: str = "") -> str:
    return f"{prefix}{identifier.hex}.{secret}"
