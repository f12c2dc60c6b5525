"""DataLoaders of pairing: areas, households, pairings and visits by id, a household's and
an area's pairings, the units responsible at a place, a visit's service record, a
nomination's campaign and the data behind a nominee. Lists that change with a mutation of
the same request (pairings, records, areas in force) are not cached."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.clock import today
from infra.db import UnitOfWork
from services.lists import repository as lists
from services.pairing import (
    area_repository,
    recognition_repository,
    recognition_views,
    repository,
)
from services.pairing import visit_repository as visits
from services.pairing.models import Pairing, ResponsibilityArea
from services.pairing.recognition_views import Evidence

# A nominee's data: (member id, year).
EvidenceKey = tuple[int, int]


class PairingLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.area = keyed(uow, area_repository.areas_by_id, default=None)
        self.household = keyed(uow, repository.households_by_id, default=None)
        self.pairing = keyed(uow, repository.pairings_by_id, default=None)
        no_pairings: list[Pairing] = []
        self.pairings_of_household: DataLoader[int, list[Pairing]] = keyed(
            uow, repository.pairings_of_households, default=no_pairings, cache=False
        )
        self.pairings_of_area: DataLoader[int, list[Pairing]] = keyed(
            uow, repository.pairings_of_areas, default=no_pairings, cache=False
        )
        self.unit_areas_at = DataLoader[int, list[ResponsibilityArea]](
            self._load_unit_areas, cache=False
        )
        self.record_of_visit = keyed(uow, visits.records_of_visits, default=None, cache=False)
        self.need = keyed(uow, lists.needs_by_id, default=None)
        self.campaign = keyed(uow, recognition_repository.campaigns_by_id, default=None)
        self.evidence = DataLoader[EvidenceKey, Evidence](self._load_evidence)

    async def _load_unit_areas(self, node_ids: list[int]) -> list[list[ResponsibilityArea]]:
        session = await self._uow.session()
        found = await area_repository.unit_areas_at(session, node_ids, today())
        return [found.get(i, []) for i in node_ids]

    async def _load_evidence(self, keys: list[EvidenceKey]) -> list[Evidence]:
        found = await recognition_views.evidence(await self._uow.session(), keys)
        return [found[key] for key in keys]
