"""DataLoaders, made per request so their cache never crosses callers."""

from collections.abc import Awaitable, Callable
from functools import cached_property
from uuid import UUID

from strawberry.dataloader import DataLoader

from api.activity_loaders import ActivityLoaders
from api.alliance_loaders import AllianceLoaders
from api.keyed import keyed
from api.list_loaders import ListLoaders
from api.pairing_loaders import PairingLoaders
from api.project_loaders import ProjectLoaders
from api.record_loaders import RecordLoaders
from api.whistle_loaders import WhistleLoaders
from infra.db import UnitOfWork
from policies import repository as grants
from policies.models import RoleGrant
from policies.principal import Principal
from services.identity import repository as identity
from services.registration import repository as registration
from services.registry import repository as registry
from tenants.hierarchy import repository as hierarchy


class Loaders:
    def __init__(self, uow: UnitOfWork, principal: Callable[[], Awaitable[Principal]]) -> None:
        self._uow = uow
        self.alliance = AllianceLoaders(uow, principal)
        self.node = keyed(uow, hierarchy.get_many, default=None)
        self.user = keyed(uow, identity.get_users, default=None)
        self.grants_of_user = DataLoader[UUID, list[RoleGrant]](self._load_grants)
        self.unit = keyed(uow, registry.units_by_id, default=None)
        self.member = keyed(uow, registry.members_by_id, default=None)
        self.member_registration = keyed(uow, registration.member_registrations_by_id, default=None)
        self.agreement_of_registration = keyed(
            uow, registration.agreements_of_registrations, default=None
        )
        self.open_registration_of_member = keyed(
            uow, registration.open_member_registrations, default=None
        )

    async def _load_grants(self, user_ids: list[UUID]) -> list[list[RoleGrant]]:
        rows = await grants.for_users(await self._uow.session(), user_ids)
        by_user: dict[UUID, list[RoleGrant]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        return [by_user.get(i, []) for i in user_ids]

    @cached_property
    def lists(self) -> ListLoaders:
        """Loaders of needs, resources and work orders (made on first use)."""
        return ListLoaders(self._uow)

    @cached_property
    def projects(self) -> ProjectLoaders:
        """Loaders of projects, claims and tasks (made on first use)."""
        return ProjectLoaders(self._uow)

    @cached_property
    def whistles(self) -> WhistleLoaders:
        """Loaders of whistle calls (made on first use)."""
        return WhistleLoaders(self._uow)

    @cached_property
    def activities(self) -> ActivityLoaders:
        """Loaders of activities, sign-ups and attendance (made on first use)."""
        return ActivityLoaders(self._uow)

    @cached_property
    def records(self) -> RecordLoaders:
        """Loaders of service records and their versions (made on first use)."""
        return RecordLoaders(self._uow)

    @cached_property
    def pairing(self) -> PairingLoaders:
        """Loaders of areas, households, pairings, visits and recognition (made on first use)."""
        return PairingLoaders(self._uow)
