"""Alembic environment: async engine, or a connection handed over by `infra.migrate`."""

import asyncio
import importlib

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from infra.db import Base, async_url

# env.py is where the whole schema is assembled, so it is the one place in infra/ that
# loads the domain packages' models (by name, keeping the import graph one-way).
MODEL_MODULES = (
    "tenants.models",
    "tenants.hierarchy.models",
    "tenants.rules.models",
    "policies.models",
    "policies.audit",
    "services.identity.models",
    "services.events.models",
    "services.registry.models",
    "services.alliances.models",
    "services.lists.models",
    "services.projects.models",
    "services.wishes.models",
    "services.whistles.models",
    "services.registration.models",
    "services.activities.models",
    "services.records.models",
    "infra.consumers",
    "infra.jobs",
    "services.scoring.models",
    "services.notifications.models",
    "services.pairing.models",
    "services.pairing.recognition_models",
    "services.assessment.models",
    "services.dashboards.models",
)
for module in MODEL_MODULES:
    importlib.import_module(module)

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _owner_url() -> str:
    from infra.migrate import resolve_owner_url

    return asyncio.run(resolve_owner_url())


connection = config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `gongjian migrate`")
if connection is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_with_own_engine(config.attributes.get("owner_url") or _owner_url()))
