"""The hierarchy, accounts and sessions, partner keys, role grants, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateSequence, DropSequence

from infra.migrations.ddl import app_role, isolate_tenant_table

PLATFORM_TENANT_ID = "00000000-0000-0000-0000-000000000000"
TENANT_TABLES = (
    "nodes",
    "users",
    "user_sessions",
    "sign_in_throttles",
    "api_keys",
    "role_grants",
    "audit_log",
)
revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(CreateSequence(sa.Sequence("nodes_id_seq")))
    op.create_table(
        "audit_log",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("actor_kind", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("succeeded", "denied", "failed", name="audit_outcome"),
            nullable=False,
        ),
        sa.Column("node_id", sa.BigInteger(), nullable=True),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=True),
        sa.Column("object_type", sa.Text(), nullable=True),
        sa.Column("object_id", sa.Text(), nullable=True),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("client_address", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_tenant_id_occurred_at",
        "audit_log",
        ["tenant_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_audit_log_tenant_id_scope_path", "audit_log", ["tenant_id", "scope_path"], unique=False
    )
    op.create_table(
        "nodes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "county", "township", "community", "compound", "building", "grid", name="node_kind"
            ),
            nullable=False,
        ),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.Text(collation="C"), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "retired", name="node_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(parent_id IS NULL) = (kind = 'county')", name=op.f("ck_nodes_root_is_county")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_nodes_tenant_id_parent_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_nodes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_nodes")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_nodes_tenant_id_code")),
        sa.UniqueConstraint("tenant_id", "path", name=op.f("uq_nodes_tenant_id_path")),
    )
    op.create_index(
        "ix_nodes_tenant_id_parent_id", "nodes", ["tenant_id", "parent_id"], unique=False
    )
    op.create_index(
        "uq_nodes_tenant_id_root",
        "nodes",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("parent_id IS NULL"),
    )
    op.create_table(
        "sign_in_throttles",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sign_in_throttles_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "username", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "api_keys",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_api_keys_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_api_keys_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "users",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=True),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "disabled", name="user_status"),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_users_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "username", name=op.f("uq_users_tenant_id_username")),
    )
    op.create_table(
        "role_grants",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("node_id", sa.BigInteger(), nullable=False),
        sa.Column("scope_path", sa.Text(collation="C"), nullable=False),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "node_id"],
            ["nodes.tenant_id", "nodes.id"],
            name=op.f("fk_role_grants_tenant_id_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_role_grants_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_role_grants_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_role_grants")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "role",
            "node_id",
            name=op.f("uq_role_grants_tenant_id_user_id_role_node_id"),
        ),
    )
    op.create_index(
        "ix_role_grants_tenant_id_scope_path",
        "role_grants",
        ["tenant_id", "scope_path"],
        unique=False,
    )
    op.create_table(
        "user_sessions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("refresh_hash", sa.LargeBinary(), nullable=False),
        sa.Column("previous_refresh_hash", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_address", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_user_sessions_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_user_sessions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_user_sessions")),
    )

    # The platform's realm (platform admins) and a root node for every county already
    # open, written before row-level security is turned on for the new tables.
    op.execute(
        "INSERT INTO tenants (id, county_code, name) "
        f"VALUES ('{PLATFORM_TENANT_ID}', '000000', '平台')"
    )
    op.execute(
        "WITH roots AS ("
        "  SELECT id AS tenant_id, county_code, name, nextval('nodes_id_seq') AS node_id"
        f"  FROM tenants WHERE id <> '{PLATFORM_TENANT_ID}'"
        ") INSERT INTO nodes (tenant_id, id, kind, code, name, parent_id, path) "
        "SELECT tenant_id, node_id, 'county', county_code || '000000', name, NULL, "
        "node_id::text || '.' FROM roots"
    )
    for table in TENANT_TABLES:
        isolate_tenant_table(table)
    # The audit log is append-only for the app.
    op.execute(f"REVOKE UPDATE, DELETE ON audit_log FROM {app_role()}")


def downgrade() -> None:
    op.drop_table("user_sessions")
    op.drop_index("ix_role_grants_tenant_id_scope_path", table_name="role_grants")
    op.drop_table("role_grants")
    op.drop_table("users")
    op.drop_table("api_keys")
    op.drop_table("sign_in_throttles")
    op.drop_index(
        "uq_nodes_tenant_id_root", table_name="nodes", postgresql_where=sa.text("parent_id IS NULL")
    )
    op.drop_index("ix_nodes_tenant_id_parent_id", table_name="nodes")
    op.drop_table("nodes")
    op.drop_index("ix_audit_log_tenant_id_scope_path", table_name="audit_log")
    op.drop_index("ix_audit_log_tenant_id_occurred_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.execute(DropSequence(sa.Sequence("nodes_id_seq")))
    for enum in ("audit_outcome", "node_kind", "node_status", "user_status"):
        sa.Enum(name=enum).drop(op.get_bind())
    op.execute(f"DELETE FROM tenants WHERE id = '{PLATFORM_TENANT_ID}'")
