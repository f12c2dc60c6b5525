"""DataLoaders, made per request so their cache never crosses callers."""

from collections.abc import Awaitable, Callable
from functools import cached_property
from uuid import UUID

from strawberry.dataloader import DataLoader

from api.alliance_loaders import AllianceLoaders
from api.list_loaders import ListLoaders
from api.project_loaders import ProjectLoaders
from infra.db import UnitOfWork
from policies import repository as grants
from policies.models import RoleGrant
from policies.principal import Principal
from services.identity import repository as identity
from services.identity.models import User
from services.registration import repository as registration
from services.registration.models import Agreement, MemberRegistration
from services.registry import repository as registry
from services.registry.models import Member, Unit
from services.whistles import repository as whistles
from services.whistles.models import WhistleCall, WhistleRecipient
from services.whistles.repository import Counts
from tenants.hierarchy import repository as hierarchy
from tenants.hierarchy.models import Node


class Loaders:
    def __init__(self, uow: UnitOfWork, principal: Callable[[], Awaitable[Principal]]) -> None:
        self._uow = uow
        self.alliance = AllianceLoaders(uow, principal)
        self.node = DataLoader[int, Node | None](self._load_nodes)
        self.user = DataLoader[UUID, User | None](self._load_users)
        self.grants_of_user = DataLoader[UUID, list[RoleGrant]](self._load_grants)
        self.unit = DataLoader[int, Unit | None](self._load_units)
        self.member = DataLoader[int, Member | None](self._load_members)
        self.member_registration = DataLoader[int, MemberRegistration | None](
            self._load_member_registrations
        )
        self.agreement_of_registration = DataLoader[int, Agreement | None](self._load_agreements)
        self.open_registration_of_member = DataLoader[int, MemberRegistration | None](
            self._load_open_registrations
        )

    async def _load_nodes(self, ids: list[int]) -> list[Node | None]:
        found = await hierarchy.get_many(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_users(self, ids: list[UUID]) -> list[User | None]:
        found = await identity.get_users(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_grants(self, user_ids: list[UUID]) -> list[list[RoleGrant]]:
        rows = await grants.for_users(await self._uow.session(), user_ids)
        by_user: dict[UUID, list[RoleGrant]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        return [by_user.get(i, []) for i in user_ids]

    async def _load_units(self, ids: list[int]) -> list[Unit | None]:
        found = await registry.units_by_id(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_members(self, ids: list[int]) -> list[Member | None]:
        found = await registry.members_by_id(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_member_registrations(self, ids: list[int]) -> list[MemberRegistration | None]:
        found = await registration.member_registrations_by_id(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_agreements(self, registration_ids: list[int]) -> list[Agreement | None]:
        session = await self._uow.session()
        found = await registration.agreements_of_registrations(session, registration_ids)
        return [found.get(i) for i in registration_ids]

    async def _load_open_registrations(
        self, member_ids: list[int]
    ) -> list[MemberRegistration | None]:
        session = await self._uow.session()
        found = await registration.open_member_registrations(session, member_ids)
        return [found.get(i) for i in member_ids]

    @cached_property
    def lists(self) -> ListLoaders:
        """Loaders of needs, resources and work orders (made on first use)."""
        return ListLoaders(self._uow)

    # Whistle calls: by id, the call raised from each, the live counts and the caller's
    # answers (neither cached: read again after an answer in the same request, current).
    @cached_property
    def whistle_call(self) -> DataLoader[int, WhistleCall | None]:
        return DataLoader(self._load_whistle_calls)

    @cached_property
    def whistle_escalation(self) -> DataLoader[int, WhistleCall | None]:
        return DataLoader(self._load_whistle_escalations)

    @cached_property
    def whistle_counts(self) -> DataLoader[int, Counts]:
        return DataLoader(self._load_whistle_counts, cache=False)

    @cached_property
    def whistle_answers(
        self,
    ) -> DataLoader[tuple[int, int | None, int | None], list[WhistleRecipient]]:
        """Keyed (call id, the caller's member id, the caller's unit id)."""
        return DataLoader(self._load_whistle_answers, cache=False)

    async def _load_whistle_calls(self, ids: list[int]) -> list[WhistleCall | None]:
        found = await whistles.calls_by_id(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_whistle_escalations(self, ids: list[int]) -> list[WhistleCall | None]:
        found = await whistles.escalations_of(await self._uow.session(), ids)
        return [found.get(i) for i in ids]

    async def _load_whistle_counts(self, ids: list[int]) -> list[Counts]:
        found = await whistles.counts(await self._uow.session(), ids)
        return [found.get(i, Counts()) for i in ids]

    async def _load_whistle_answers(
        self, keys: list[tuple[int, int | None, int | None]]
    ) -> list[list[WhistleRecipient]]:
        session = await self._uow.session()
        found: dict[tuple[int, int | None, int | None], list[WhistleRecipient]] = {}
        for member_id, unit_id in {(m, u) for _, m, u in keys if (m, u) != (None, None)}:
            ids = [call for call, m, u in keys if (m, u) == (member_id, unit_id)]
            own = whistles.own_recipients(member_id, unit_id)
            for row in await whistles.own_answers(session, ids, own):
                found.setdefault((row.whistle_call_id, member_id, unit_id), []).append(row)
        return [found.get(key, []) for key in keys]

    @cached_property
    def projects(self) -> ProjectLoaders:
        """Loaders of projects, claims and tasks (made on first use)."""
        return ProjectLoaders(self._uow)
