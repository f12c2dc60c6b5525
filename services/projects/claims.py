"""认领: a registered unit or member takes a place on a project by itself (自主认领), or
staff assign one (指定认领). Every place is taken under the project's row lock, so the
places counted are the places there are, however many ask at once."""

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from policies import access
from policies.principal import Principal
from services.projects import repository
from services.projects.errors import (
    AlreadyClaimed,
    ClaimantKindNotAllowed,
    ClaimModeNotAllowed,
    InvalidClaim,
    NotRegisteredHere,
    ProjectFull,
    ProjectNotOpen,
)
from services.projects.inputs import CLAIM_PHRASES
from services.projects.models import (
    CLAIMANT_KIND_NAMES,
    PROJECT_CLAIM_MODE_NAMES,
    ClaimantKind,
    ClaimOrigin,
    ClaimStatus,
    Project,
    ProjectClaim,
    ProjectClaimMode,
    ProjectStatus,
)
from services.projects.projects import RESOURCE, get_project, here, not_open, record
from services.registry import repository as registry
from services.registry.errors import MemberNotFound, UnitNotFound
from services.registry.models import Member, RegistryStatus, Unit
from tenants.hierarchy.models import NodeKind
from tenants.hierarchy.service import get_node


class ClaimAs(enum.StrEnum):
    """Whom a caller linked to both a unit and a member record claims for."""

    UNIT = "unit"
    MEMBER = "member"


@dataclass(frozen=True)
class Claimant:
    """A unit or a member about to take a place."""

    unit: Unit | None = None
    member: Member | None = None
    # The argument a refusal about the claimant names: the unit or member assigned, or
    # the project a caller claimed for itself.
    field: str = "projectId"

    @property
    def name(self) -> str:
        if self.unit is not None:
            return self.unit.name
        assert self.member is not None
        return self.member.name

    @property
    def on_register(self) -> bool:
        """Still on the unit or member register (not retired)."""
        found = self.unit if self.unit is not None else self.member
        return found is not None and found.status is RegistryStatus.ACTIVE

    @property
    def unit_id(self) -> int | None:
        return None if self.unit is None else self.unit.id

    @property
    def member_id(self) -> int | None:
        return None if self.member is None else self.member.id


def described(claim: ProjectClaim, **more: Any) -> dict[str, Any]:
    """What every event of a claim says of it."""
    return {
        "claim_id": claim.id,
        "unit_id": claim.unit_id,
        "member_id": claim.member_id,
        "origin": claim.origin.value,
        "status": claim.status.value,
        **more,
    }


async def _unit(session: AsyncSession, unit_id: int, *, field: str) -> Unit:
    unit = await registry.get_unit(session, unit_id)
    if unit is None:
        raise UnitNotFound("未找到该单位党组织", field=field)
    return unit


async def _member(session: AsyncSession, member_id: int, *, field: str) -> Member:
    member = await registry.get_member(session, member_id)
    if member is None:
        raise MemberNotFound("未找到该党员", field=field)
    return member


def _choose(principal: Principal, project: Project, claim_as: ClaimAs | None) -> ClaimAs | None:
    """Whom the caller claims for: as asked, else the one record its account is linked
    to, else the one the project takes. None: the caller claims for no one."""
    if claim_as is not None:
        return claim_as
    if principal.unit_id is not None and principal.member_id is not None:
        if project.claimant_kind is ClaimantKind.UNITS:
            return ClaimAs.UNIT
        if project.claimant_kind is ClaimantKind.MEMBERS:
            return ClaimAs.MEMBER
        raise InvalidClaim(
            "您的账号同时关联了单位党组织和党员本人：请选择以单位还是以个人身份认领",
            field="claimant",
        )
    if principal.unit_id is not None:
        return ClaimAs.UNIT
    if principal.member_id is not None:
        return ClaimAs.MEMBER
    return None


async def _own_claimant(
    session: AsyncSession, principal: Principal, project: Project, claim_as: ClaimAs | None
) -> Claimant:
    chosen = _choose(principal, project, claim_as)
    unit_id = principal.unit_id if chosen is ClaimAs.UNIT else None
    member_id = principal.member_id if chosen is ClaimAs.MEMBER else None
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="claim",
        node=here(project),
        object_id=str(project.id),
        owned=unit_id is not None or member_id is not None,
    )
    if unit_id is not None:
        return Claimant(unit=await _unit(session, unit_id, field="claimant"))
    if member_id is not None:
        return Claimant(member=await _member(session, member_id, field="claimant"))
    # A role allowed to claim at the node, but an account acting for no unit or member.
    raise InvalidClaim("请使用单位党组织管理员或党员本人的账号认领", field="claimant")


async def _check_registered(session: AsyncSession, project: Project, claimant: Claimant) -> None:
    """The claimant is registered (confirmed) with the project's community, or for a
    street-wide project with any community of that street."""
    if claimant.unit is not None:
        registered = await repository.unit_registered_within(
            session, claimant.unit.id, project.scope_path
        )
    else:
        assert claimant.member is not None
        registered = await repository.member_registered_within(
            session, claimant.member.id, project.scope_path
        )
    if not registered:
        node = await get_node(session, project.node_id)
        where = f"“{node.name}”" if node.kind is NodeKind.COMMUNITY else f"“{node.name}”的社区"
        raise NotRegisteredHere(
            f"“{claimant.name}”未在{where}报到，不能认领该项目", field=claimant.field
        )


def _check_open(project: Project) -> None:
    if project.status is not ProjectStatus.PUBLISHED:
        raise not_open(project, "认领", field="projectId")
    if project.ends_on < today():
        raise ProjectNotOpen(
            f"项目“{project.title}”的服务期已于 {project.ends_on.isoformat()} 结束，不能再认领",
            field="projectId",
        )


def _check_terms(project: Project, claimant: Claimant, origin: ClaimOrigin) -> None:
    refused = ProjectClaimMode.ASSIGNED if origin is ClaimOrigin.SELF else ProjectClaimMode.SELF
    if project.claim_mode is refused:
        wanted = "自主认领" if origin is ClaimOrigin.SELF else "指定认领"
        raise ClaimModeNotAllowed(
            f"项目“{project.title}”只接受{PROJECT_CLAIM_MODE_NAMES[project.claim_mode]}，"
            f"不能{wanted}",
            field="projectId",
        )
    barred = ClaimantKind.MEMBERS if claimant.unit is not None else ClaimantKind.UNITS
    if project.claimant_kind is barred:
        raise ClaimantKindNotAllowed(
            f"项目“{project.title}”只面向{CLAIMANT_KIND_NAMES[project.claimant_kind]}，"
            f"“{claimant.name}”不能认领",
            field=claimant.field,
        )


async def _take_place(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    claimant: Claimant,
    origin: ClaimOrigin,
) -> ProjectClaim:
    """The checks, in the order a clerk would make them, then the place: the project is
    locked, so the count below is not overtaken by another claim. A self-claimant learns
    nothing about a project (its state, its terms) of a community it is not registered in."""
    if origin is ClaimOrigin.SELF:
        await _check_registered(session, project, claimant)
    _check_open(project)
    _check_terms(project, claimant, origin)
    if not claimant.on_register:
        raise NotRegisteredHere(f"“{claimant.name}”已退出名册，不能认领", field=claimant.field)
    if origin is not ClaimOrigin.SELF:
        await _check_registered(session, project, claimant)
    held = await repository.active_claim(
        session, project.id, unit_id=claimant.unit_id, member_id=claimant.member_id
    )
    if held is not None:
        raise _already(project, claimant, held)
    if await repository.claimed_count(session, project.id) >= project.capacity:
        raise ProjectFull(
            f"项目“{project.title}”的 {project.capacity} 个名额已满，不能再认领",
            field="projectId",
        )
    claim = ProjectClaim(
        tenant_id=bound_tenant(session),
        project_id=project.id,
        scope_path=project.scope_path,
        unit_id=claimant.unit_id,
        member_id=claimant.member_id,
        origin=origin,
        status=ClaimStatus.CLAIMED,
        claimed_by=principal.account_id,
    )
    session.add(claim)
    try:
        await session.flush()
    except IntegrityError as error:
        # Only reachable if a place was taken without the project's lock.
        raise _already(project, claimant, None) from error
    step = "project.claimed" if origin is ClaimOrigin.SELF else "project.assigned"
    await record(
        session,
        principal,
        project,
        step,
        object_type="project_claim",
        object_id=claim.id,
        **described(claim, claimant_name=claimant.name if claimant.unit else None),
    )
    return claim


def _already(project: Project, claimant: Claimant, held: ProjectClaim | None) -> AlreadyClaimed:
    state = "" if held is None else f"（{CLAIM_PHRASES[held.status]}）"
    return AlreadyClaimed(
        f"“{claimant.name}”已认领项目“{project.title}”{state}，不能重复认领",
        field=claimant.field,
    )


async def claim_project(
    session: AsyncSession, principal: Principal, project_id: int, *, claim_as: ClaimAs | None
) -> tuple[ProjectClaim, Project]:
    """自主认领: the caller's unit (its org admin) or the caller as a member takes a place."""
    project = await get_project(session, project_id, field="projectId", for_update=True)
    claimant = await _own_claimant(session, principal, project, claim_as)
    claim = await _take_place(session, principal, project, claimant, ClaimOrigin.SELF)
    return claim, project


async def assign_project(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    *,
    unit_id: int | None = None,
    member_id: int | None = None,
) -> tuple[ProjectClaim, Project]:
    """指定认领: staff give a place to a unit or a member registered in the area."""
    project = await get_project(session, project_id, field="projectId", for_update=True)
    access.require(
        session,
        principal,
        resource=RESOURCE,
        action="manage",
        node=here(project),
        object_id=str(project.id),
    )
    if (unit_id is None) == (member_id is None):
        raise InvalidClaim("请指定一个单位党组织或一名党员（二者选一）", field="unitId")
    if unit_id is not None:
        claimant = Claimant(unit=await _unit(session, unit_id, field="unitId"), field="unitId")
    else:
        assert member_id is not None
        member = await _member(session, member_id, field="memberId")
        claimant = Claimant(member=member, field="memberId")
    claim = await _take_place(session, principal, project, claimant, ClaimOrigin.ASSIGNED)
    return claim, project
