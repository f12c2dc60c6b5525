"""The SQL scope and `may` decide as casbin does, on random trees and random grants.

casbin is the source of truth (policies/enforcer.py): a plain enforcer on the model, the
default policy and the principal's grants as role links `(subject, role, path)`. Our own
checks answer from the grants instead: `may` in Python at one node, `scope` as a range
predicate over the real `nodes` table. For every (resource, action) of the policy, the
nodes each of them lets through must be exactly those casbin allows.

Node ids are drawn so that siblings often share digit prefixes (5 and 52, 52 and 520): the
case a bare prefix match on paths gets wrong ('1.5.' vs '1.52.'). They are written
explicitly rather than drawn from `nodes_id_seq`, which `id` merely defaults to.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from infra.db import Database, bind_tenant
from policies.access import may, scope
from policies.enforcer import casbin_enforcer, default_permissions
from policies.paths import child_path
from policies.principal import Grant, Principal, PrincipalKind
from policies.roles import Role
from tenants.hierarchy.models import Node, NodeKind
from tenants.models import Tenant
from tests.conftest import MakeTenant

# Stands in for a drawn id that happens to be the root's own (ids drawn stay below it).
SPARE_ID = 10**9
MAX_NODES = 40
PRINCIPALS = 2
GRANTABLE_ROLES = [role.value for role in Role if role is not Role.PLATFORM_ADMIN]
BELOW_COUNTY = [kind for kind in NodeKind if kind is not NodeKind.COUNTY]
PAIRS = [
    (resource, action)
    for resource, actions in default_permissions().actions.items()
    for action in actions
]


@dataclass(frozen=True)
class County:
    tenant: Tenant
    root_id: int
    root_path: str


@dataclass(frozen=True)
class TreeNode:
    id: int
    path: str


@dataclass(frozen=True)
class Scenario:
    # Node k + 1's parent is node parents[k] (node 0 is the root), so parents come first.
    ids: list[int]
    parents: list[int]
    # Per principal, its grants as (role, node index).
    grants: list[list[tuple[str, int]]]


@st.composite
def node_ids(draw: st.DrawFn, parents: list[int]) -> list[int]:
    """Distinct ids, each often a digit extension or truncation of a sibling's ('5', '52')."""
    ids: list[int] = []
    children: dict[int, list[int]] = {}
    for parent in parents:
        siblings = children.setdefault(parent, [])
        how = draw(st.sampled_from(["fresh", "extend", "truncate"])) if siblings else "fresh"
        if how == "fresh":
            node_id = draw(st.integers(2, 60))
        else:
            sibling = draw(st.sampled_from(siblings))
            if how == "extend" and sibling < 10**6:
                node_id = sibling * 10 + draw(st.integers(0, 9))
            else:
                node_id = max(sibling // 10, 2)
        while node_id in ids:
            node_id += 1
        ids.append(node_id)
        siblings.append(node_id)
    return ids


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    # Mostly small trees, some up to MAX_NODES: casbin takes most of the time, per node.
    size = draw(st.one_of(st.integers(0, 12), st.integers(0, MAX_NODES)))
    parents = [draw(st.integers(0, k)) for k in range(size)]
    ids = draw(node_ids(parents))
    grant = st.tuples(st.sampled_from(GRANTABLE_ROLES), st.integers(0, len(ids)))
    grants = draw(st.lists(st.lists(grant, max_size=4), min_size=1, max_size=PRINCIPALS))
    return Scenario(ids=ids, parents=parents, grants=grants)


@pytest.fixture
async def county(db: Database, make_tenant: MakeTenant) -> County:
    tenant = await make_tenant()
    async with db.tenant_session(tenant.id) as session:
        root = (await session.scalars(select(Node).where(Node.parent_id.is_(None)))).one()
    return County(tenant=tenant, root_id=root.id, root_path=root.path)


@asynccontextmanager
async def rolled_back(db: Database, county: County) -> AsyncIterator[AsyncSession]:
    """A session bound to the county whose writes are never kept."""
    async with db.unit_of_work() as uow:
        uow.rollback_only = True
        session = await uow.session()
        await bind_tenant(session, county.tenant.id)
        yield session


async def plant(
    session: AsyncSession, county: County, ids: list[int], parents: list[int]
) -> list[TreeNode]:
    """Insert the tree below the county's root; the root first, then in list order."""
    nodes = [TreeNode(id=county.root_id, path=county.root_path)]
    rows: list[dict[str, Any]] = []
    for node_id, parent in zip(ids, parents, strict=True):
        parent_node = nodes[parent]
        path = child_path(parent_node.path, node_id)
        depth = path.count(".") - 1
        nodes.append(TreeNode(id=node_id, path=path))
        rows.append(
            {
                "tenant_id": county.tenant.id,
                "id": node_id,
                "kind": BELOW_COUNTY[(depth - 1) % len(BELOW_COUNTY)],
                "name": f"节点{node_id}",
                "parent_id": parent_node.id,
                "path": path,
            }
        )
    if rows:
        await session.execute(insert(Node), rows)
    return nodes


def principal(county: County, grants: list[tuple[str, TreeNode]]) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        id=uuid4(),
        tenant_id=county.tenant.id,
        name="测试用户",
        grants=tuple(Grant(role=role, node_id=node.id, path=node.path) for role, node in grants),
    )


async def scoped_ids(session: AsyncSession, who: Principal, resource: str, action: str) -> set[int]:
    query = select(Node.id).where(scope(who, resource, action, Node.path))
    return set((await session.scalars(query)).all())


async def scoped_ids_of_pairs(
    session: AsyncSession, who: Principal, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], set[int]]:
    """`scoped_ids` of every pair at once: each pair's own scope predicate, a column of one
    query over the nodes (one round trip instead of one per pair)."""
    columns = [scope(who, r, a, Node.path).label(f"p{i}") for i, (r, a) in enumerate(pairs)]
    rows = (await session.execute(select(Node.id, *columns))).all()
    return {pair: {row[0] for row in rows if row[i + 1]} for i, pair in enumerate(pairs)}


async def check_agreement(
    session: AsyncSession, nodes: list[TreeNode], principals: list[Principal]
) -> None:
    enforcer = casbin_enforcer(
        (who.subject, grant.role, grant.path) for who in principals for grant in who.grants
    )
    # The matcher compares resource and action for equality, so casbin decides alike the
    # pairs its own policy grants to the same roles: it is asked once per such set of roles
    # (about 20 instead of 100 pairs), and every pair is still checked against its answer.
    roles_of: dict[tuple[str, str], set[str]] = {}
    for role, resource, action in enforcer.get_policy():
        roles_of.setdefault((resource, action), set()).add(role)
    # casbin reads every policy line for each decision, but a decision on a pair depends
    # only on that pair's lines: keeping the lines of the pairs it is asked about (one per
    # set of roles) changes no answer and makes each one several times quicker.
    asked: dict[frozenset[str], tuple[str, str]] = {}
    for pair in PAIRS:
        asked.setdefault(frozenset(roles_of.get(pair, ())), pair)
    kept = set(asked.values())
    enforcer.remove_policies(
        [line for line in enforcer.get_policy() if (line[1], line[2]) not in kept]
    )
    for who in principals:
        decided: dict[frozenset[str], set[int]] = {}
        scoped = await scoped_ids_of_pairs(session, who, PAIRS)
        for resource, action in PAIRS:
            roles = frozenset(roles_of.get((resource, action), ()))
            if roles not in decided:
                decided[roles] = {
                    node.id
                    for node in nodes
                    if enforcer.enforce(who.subject, node.path, resource, action)
                }
            allowed = decided[roles]
            context = f"{resource}.{action} with grants {who.grants}"
            assert scoped[(resource, action)] == allowed, context
            permitted = {node.id for node in nodes if may(who, node.path, resource, action)}
            assert permitted == allowed, context


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
async def test_scope_and_may_allow_exactly_what_casbin_allows(
    db: Database, county: County, scenario: Scenario
) -> None:
    ids = [SPARE_ID if node_id == county.root_id else node_id for node_id in scenario.ids]
    async with rolled_back(db, county) as session:
        nodes = await plant(session, county, ids, scenario.parents)
        note(f"paths: {[node.path for node in nodes]}")
        principals = [
            principal(county, [(role, nodes[index]) for role, index in grants])
            for grants in scenario.grants
        ]
        await check_agreement(session, nodes, principals)


async def test_a_community_admin_at_5_has_its_subtree_and_not_sibling_52(
    db: Database, county: County
) -> None:
    #          root
    #   5      52       50
    #   6 8   520 2      3
    #   7
    ids = [5, 52, 50, 6, 8, 7, 520, 2, 3]
    parents = [0, 0, 0, 1, 1, 4, 2, 2, 3]
    assert county.root_id not in ids, "the county's root took an id this tree needs"
    async with rolled_back(db, county) as session:
        nodes = await plant(session, county, ids, parents)
        by_id = {node.id: node for node in nodes}
        admin = principal(county, [(Role.COMMUNITY_ADMIN.value, by_id[5])])
        r = county.root_path
        assert by_id[52].path == f"{r}52."
        assert by_id[520].path == f"{r}52.520."
        assert by_id[3].path == f"{r}50.3."

        subtree = {5, 6, 7, 8}
        outside = {county.root_id, 52, 520, 2, 50, 3}
        for resource, action in [("node", "read"), ("node", "update"), ("user", "create")]:
            assert await scoped_ids(session, admin, resource, action) == subtree
            for node_id in subtree:
                assert may(admin, by_id[node_id].path, resource, action)
            for node_id in outside:
                assert not may(admin, by_id[node_id].path, resource, action), node_id
        # What the role may not do, it may not do in its own subtree either.
        assert await scoped_ids(session, admin, "node", "move") == set()
        assert not may(admin, by_id[5].path, "node", "move")

        await check_agreement(session, nodes, [admin])
