"""The one settings object; no other module reads the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("gongjian")


class Settings(BaseSettings):
    """Configuration read from the environment: `DATABASE_URL`, `BROKER_URL`, `SENTRY_DSN`
    and `GONGJIAN_*` for the rest."""

    model_config = SettingsConfigDict(env_prefix="GONGJIAN_", extra="ignore", frozen=True)

    # The app's own connection: a role that owns nothing and cannot bypass row-level
    # security. Unset means an embedded PostgreSQL under `data_dir`.
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "GONGJIAN_DATABASE_URL"),
    )
    # The schema owner's connection, used only to run migrations. Unset with an external
    # database means migrations must be run by whoever holds the owner's credentials.
    owner_database_url: str | None = None
    # The role the app connects as; migrations grant it rights on every table.
    app_role: str = "gongjian_app"
    broker_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BROKER_URL", "GONGJIAN_BROKER_URL")
    )
    sentry_dsn: str | None = Field(
        default=None, validation_alias=AliasChoices("SENTRY_DSN", "GONGJIAN_SENTRY_DSN")
    )
    environment: str = "development"

    data_dir: Path = Field(default_factory=_default_data_dir)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False
    introspection: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)

    # Partner subscriptions (graphql-transport-ws): at once on one connection, and
    # connections at once per API key (counted in each server process).
    subscriptions_per_connection: int = Field(default=10, ge=1)
    subscription_connections_per_api_key: int = Field(default=4, ge=1)
    # GraphQL limits (DESIGN.md §6).
    graphql_max_depth: int = Field(default=12, ge=1)
    graphql_max_aliases: int = Field(default=30, ge=1)
    graphql_max_tokens: int = Field(default=4000, ge=1)
    # Parsed and validated documents kept per process; 0 turns the caches off.
    graphql_cache_size: int = Field(default=256, ge=0)

    # Signs access tokens. Unset: a random key kept in `data_dir/secret_key`, made on
    # first use; set it (the same on every process) when running more than one.
    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # Sign-in back-off: from this many failures in a row, each further failure locks the
    # account name for twice as long as the one before (1 minute first), up to the cap.
    sign_in_failures_before_lock: int = Field(default=5, ge=1)
    sign_in_max_lock_minutes: int = Field(default=60, ge=1)
    # argon2id cost (RFC 9106's second recommendation by default).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=64 * 1024, ge=8)

    # Personal data (mobile and ID-card numbers) at rest: Fernet keys, comma-separated,
    # the newest first (it seals; the others still open what they sealed, until
    # `gongjian personal-data rotate` re-seals everything with the newest). Unset: a key
    # kept in `data_dir/personal_data_keys`.
    personal_data_keys: SecretStr | None = None
    # Keys the keyed hash that finds a record by its number without opening it. It must
    # stay the same for the life of the data. Unset: kept in `data_dir`.
    personal_data_index_key: SecretStr | None = None

    # The largest workbook (or CSV) an import accepts, refused before it is read.
    import_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    # Workers (infra/broker.py): a message failing is tried again after an exponentially
    # growing wait between the two backoffs, then dead-lettered (`failed_messages`).
    worker_max_retries: int = Field(default=5, ge=0)
    worker_min_backoff_ms: int = Field(default=1000, ge=1)
    worker_max_backoff_ms: int = Field(default=5 * 60 * 1000, ge=1)
    # A message still running after this long is interrupted (and retried).
    worker_time_limit_ms: int = Field(default=5 * 60 * 1000, ge=100)
    worker_threads: int = Field(default=8, ge=1, le=256)
    # Redis only: the key prefix, how long a worker may be silent before its unfinished
    # messages go back on the queue, and how often (per million commands) that is checked.
    broker_namespace: str = "gongjian"
    broker_heartbeat_timeout_ms: int = Field(default=60_000, ge=100)
    broker_maintenance_chance: int = Field(default=1000, ge=1, le=1_000_000)
    # The outbox relay (infra/relay.py): events per transaction, events per message (a
    # consumer applies a message's events in one transaction), and how often it looks
    # for events when no notification came.
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_message_size: int = Field(default=100, ge=1, le=1_000)
    relay_poll_seconds: float = Field(default=5.0, gt=0)
    # The longest wait between tries while the broker or the database is down.
    relay_max_backoff_seconds: float = Field(default=30.0, gt=0)
    # Notifications: the provider of each outside channel (`log` writes each message to
    # the log and sends nothing), and how many deliveries a county's sender takes a minute.
    notify_sms_provider: str = "log"
    notify_wechat_provider: str = "log"
    notify_email_provider: str = "log"
    notify_send_batch: int = Field(default=1000, ge=1, le=100_000)
    # `gongjian worker`, `relay` and `scheduler` serve Prometheus metrics on this port
    # when set (`gongjian up` has them on its own /metrics).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @property
    def embedded_postgres_dir(self) -> Path:
        return self.data_dir / "postgres"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
