"""DataLoaders of activities."""

from api.keyed import keyed
from infra.db import UnitOfWork
from services.activities import repository


class ActivityLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.activity = keyed(uow, repository.activities_by_id, default=None)
