"""DataLoaders of the alliance views: members, part-time members, meetings and attendees."""

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from strawberry.dataloader import DataLoader

from infra.db import UnitOfWork
from infra.pagination import PageOf
from policies.principal import Principal
from services.alliances import committee, units
from services.alliances.models import AllianceUnit, JointMeeting, PartTimeMember
from services.registry.models import Member, Unit

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _grouped(rows: list[tuple[K, V]], keys: list[K]) -> list[list[V]]:
    found: dict[K, list[V]] = {}
    for key, value in rows:
        found.setdefault(key, []).append(value)
    return [found.get(key, []) for key in keys]


class AllianceLoaders:
    """Per request: each list under an alliance or a meeting is one query for every
    alliance or meeting in the response. Not cached, so a list read again after a later
    mutation of the same request is current."""

    def __init__(self, uow: UnitOfWork, principal: Callable[[], Awaitable[Principal]]) -> None:
        self._uow, self._principal = uow, principal
        self.units = DataLoader[tuple[int, bool], list[tuple[AllianceUnit, Unit]]](
            self._load_units, cache=False
        )
        self.part_time_members = DataLoader[tuple[int, bool], list[tuple[PartTimeMember, Member]]](
            self._load_part_time_members, cache=False
        )
        self.first_meetings = DataLoader[tuple[int, int], PageOf[JointMeeting]](
            self._load_first_meetings, cache=False
        )
        self.meeting_units = DataLoader[int, list[Unit]](self._load_meeting_units, cache=False)
        self.meeting_members = DataLoader[int, list[tuple[PartTimeMember, Member]]](
            self._load_meeting_members, cache=False
        )

    async def _by_flag(
        self,
        keys: list[tuple[int, bool]],
        load: Callable[[list[int], bool], Awaitable[list[tuple[int, V]]]],
    ) -> list[list[V]]:
        rows: list[tuple[tuple[int, bool], V]] = []
        for flag in {flag for _, flag in keys}:
            ids = [alliance_id for alliance_id, wanted in keys if wanted == flag]
            rows += [((alliance_id, flag), value) for alliance_id, value in await load(ids, flag)]
        return _grouped(rows, keys)

    async def _load_units(
        self, keys: list[tuple[int, bool]]
    ) -> list[list[tuple[AllianceUnit, Unit]]]:
        session = await self._uow.session()

        async def load(ids: list[int], past: bool) -> list[tuple[int, tuple[AllianceUnit, Unit]]]:
            rows = await units.units_of(session, ids, include_past=past)
            return [(membership.alliance_id, (membership, unit)) for membership, unit in rows]

        return await self._by_flag(keys, load)

    async def _load_part_time_members(
        self, keys: list[tuple[int, bool]]
    ) -> list[list[tuple[PartTimeMember, Member]]]:
        session = await self._uow.session()

        async def load(
            ids: list[int], past: bool
        ) -> list[tuple[int, tuple[PartTimeMember, Member]]]:
            rows = await committee.part_time_members_of(session, ids, include_past=past)
            return [(appointment.alliance_id, (appointment, m)) for appointment, m in rows]

        return await self._by_flag(keys, load)

    async def _load_first_meetings(self, keys: list[tuple[int, int]]) -> list[PageOf[JointMeeting]]:
        principal = await self._principal()
        session = await self._uow.session()
        pages: dict[tuple[int, int], PageOf[JointMeeting]] = {}
        for first in {first for _, first in keys}:
            ids = [alliance_id for alliance_id, size in keys if size == first]
            found = await committee.first_meetings_of(session, principal, ids, first)
            pages.update({(alliance_id, first): found[alliance_id] for alliance_id in ids})
        return [pages[key] for key in keys]

    async def _load_meeting_units(self, ids: list[int]) -> list[list[Unit]]:
        rows = await committee.attending_units(await self._uow.session(), ids)
        return _grouped(rows, ids)

    async def _load_meeting_members(
        self, ids: list[int]
    ) -> list[list[tuple[PartTimeMember, Member]]]:
        rows = await committee.attending_members(await self._uow.session(), ids)
        return _grouped([(meeting_id, (a, m)) for meeting_id, a, m in rows], ids)
