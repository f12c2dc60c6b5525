"""DataLoaders of service records: records by id, and each record's versions."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.db import UnitOfWork
from services.records import repository
from services.records.models import ServiceRecord, ServiceRecordVersion


class RecordLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.record: DataLoader[int, ServiceRecord | None] = keyed(
            uow, repository.records_by_id, default=None
        )
        no_versions: list[ServiceRecordVersion] = []
        self.versions: DataLoader[int, list[ServiceRecordVersion]] = keyed(
            uow, repository.versions_of, default=no_versions
        )
