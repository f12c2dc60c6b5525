"""DDL that every migration creating a tenant table uses, so none can forget it."""

from alembic import op

from infra.db import TENANT_SETTING
from infra.settings import get_settings

CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"


def app_role() -> str:
    """The role the app connects as, given to alembic by `infra.migrate`."""
    config = op.get_context().config
    role = config.attributes.get("app_role") if config is not None else None
    return str(role or get_settings().app_role)


def isolate_tenant_table(table: str) -> None:
    """Row-level security, enabled and forced, failing closed when no tenant is set."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})"
    )
