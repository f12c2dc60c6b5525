"""Plain async factories for accounts, nodes, grants, units and members, written straight
to the database."""

import itertools
from uuid import UUID

from sqlalchemy import select

from infra.db import Database
from infra.personal_data import PersonalData
from infra.settings import Settings
from policies.models import RoleGrant
from services.identity.credentials import IdentityConfig
from services.identity.models import User, UserStatus
from services.registration.models import (
    MemberRegistration,
    RegistrationChannel,
    RegistrationStatus,
    UnitRegistration,
)
from services.registry.models import (
    Gender,
    Member,
    PartyOrgType,
    RegistryStatus,
    Unit,
    UnitKind,
)
from tenants.hierarchy.models import NODE_ID, Node, NodeKind, NodeStatus
from tenants.models import PLATFORM_TENANT_ID

PASSWORD = "Gongjian2026"


async def root_of(db: Database, tenant_id: UUID) -> Node:
    async with db.tenant_session(tenant_id) as session:
        root = await session.scalar(select(Node).where(Node.parent_id.is_(None)))
        assert root is not None
        return root


async def add_node(
    db: Database, parent: Node, kind: NodeKind, name: str, *, node_id: int | None = None
) -> Node:
    async with db.tenant_session(parent.tenant_id) as session:
        if node_id is None:
            node_id = int(await session.scalar(select(NODE_ID.next_value())) or 0)
        node = Node(
            tenant_id=parent.tenant_id,
            id=node_id,
            kind=kind,
            name=name,
            parent_id=parent.id,
            path=f"{parent.path}{node_id}.",
            status=NodeStatus.ACTIVE,
        )
        session.add(node)
    return node


async def add_user(
    db: Database,
    settings: Settings,
    tenant_id: UUID,
    username: str,
    *,
    node: Node | None = None,
    roles: list[tuple[str, Node]] | None = None,
    password: str = PASSWORD,
    unit_id: int | None = None,
    member_id: int | None = None,
) -> User:
    """An account; `unit_id` / `member_id` link it to the unit it administers or the
    member it is."""
    config = IdentityConfig.from_settings(settings)
    async with db.tenant_session(tenant_id) as session:
        user = User(
            tenant_id=tenant_id,
            username=username,
            name=f"{username}同志",
            password_hash=await config.hash_password(password),
            node_id=node.id if node else None,
            scope_path=node.path if node else None,
            status=UserStatus.ACTIVE,
            unit_id=unit_id,
            member_id=member_id,
        )
        session.add(user)
        await session.flush()
        for role, at in roles or []:
            session.add(
                RoleGrant(
                    tenant_id=tenant_id,
                    user_id=user.id,
                    role=role,
                    node_id=at.id,
                    scope_path=at.path,
                )
            )
    return user


async def add_platform_admin(db: Database, settings: Settings, username: str = "admin") -> User:
    return await add_user(db, settings, PLATFORM_TENANT_ID, username)


# The registers: units and members written straight to the database, their personal
# numbers sealed with the deployment's keys as the app seals them.


async def add_unit(
    db: Database,
    community: Node,
    name: str,
    credit_code: str,
    *,
    kind: UnitKind = UnitKind.STATE_ENTERPRISE,
    party_org_type: PartyOrgType = PartyOrgType.BRANCH,
    status: RegistryStatus = RegistryStatus.ACTIVE,
) -> Unit:
    async with db.tenant_session(community.tenant_id) as session:
        unit = Unit(
            tenant_id=community.tenant_id,
            name=name,
            kind=kind,
            credit_code=credit_code,
            party_org_type=party_org_type,
            node_id=community.id,
            scope_path=community.path,
            status=status,
        )
        session.add(unit)
        await session.flush()
    return unit


async def add_member(
    db: Database,
    settings: Settings,
    residence: Node,
    unit: Unit,
    name: str,
    mobile: str,
    *,
    id_card: str | None = None,
    gender: Gender = Gender.MALE,
    status: RegistryStatus = RegistryStatus.ACTIVE,
) -> Member:
    personal = PersonalData.from_settings(settings)
    async with db.tenant_session(residence.tenant_id) as session:
        member = Member(
            tenant_id=residence.tenant_id,
            name=name,
            gender=gender,
            mobile_sealed=personal.seal(mobile),
            mobile_index=personal.index(mobile),
            id_card_sealed=personal.seal(id_card) if id_card else None,
            id_card_index=personal.index(id_card) if id_card else None,
            unit_id=unit.id,
            node_id=residence.id,
            scope_path=residence.path,
            skills=[],
            status=status,
        )
        session.add(member)
        await session.flush()
    return member


# Registrations written straight to the database, confirmed unless told otherwise.


async def register_unit(
    db: Database,
    unit: Unit,
    community: Node,
    *,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
) -> UnitRegistration:
    async with db.tenant_session(unit.tenant_id) as session:
        registration = UnitRegistration(
            tenant_id=unit.tenant_id,
            unit_id=unit.id,
            node_id=community.id,
            scope_path=community.path,
            status=status,
        )
        session.add(registration)
        await session.flush()
    return registration


_slips = itertools.count(1)


async def register_member(
    db: Database,
    member: Member,
    community: Node,
    *,
    residence: Node | None = None,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
) -> MemberRegistration:
    """A slip for `member` where they live (`residence`, by default the community)."""
    place = residence or community
    async with db.tenant_session(member.tenant_id) as session:
        number = next(_slips)
        registration = MemberRegistration(
            tenant_id=member.tenant_id,
            slip_number=f"BDTEST-{number:06d}",
            member_id=member.id,
            unit_id=member.unit_id,
            community_id=community.id,
            node_id=place.id,
            scope_path=place.path,
            channel=RegistrationChannel.STAFF,
            status=status,
            receipt_number=f"HZTEST-{number:06d}"
            if status is RegistrationStatus.CONFIRMED
            else None,
        )
        session.add(registration)
        await session.flush()
    return registration
