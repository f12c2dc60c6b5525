"""DataLoaders of the lists: a need's history and matches, resources, work orders."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.db import UnitOfWork
from services.lists import repository
from services.lists.models import NeedChange, NeedMatch


class ListLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.need_history = DataLoader[int, list[NeedChange]](self._load_history)
        self.need_matches = DataLoader[int, list[NeedMatch]](self._load_matches)
        self.resource = keyed(uow, repository.resources_by_id, default=None)
        self.work_order = keyed(uow, repository.work_orders_by_id, default=None)

    async def _load_history(self, need_ids: list[int]) -> list[list[NeedChange]]:
        found = await repository.changes_of_needs(await self._uow.session(), need_ids)
        return [found.get(i, []) for i in need_ids]

    async def _load_matches(self, need_ids: list[int]) -> list[list[NeedMatch]]:
        found = await repository.matches_of_needs(await self._uow.session(), need_ids)
        return [found.get(i, []) for i in need_ids]
