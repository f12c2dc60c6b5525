"""DataLoaders of whistle calls: by id, the call raised from each, the live counts and the
caller's answers (the last two not cached: read again after an answer, they are current)."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.db import UnitOfWork
from services.whistles import repository
from services.whistles.models import WhistleRecipient
from services.whistles.repository import Counts

# The caller's answers to a call: (call id, the caller's member id, unit id).
AnswerKey = tuple[int, int | None, int | None]


class WhistleLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.call = keyed(uow, repository.calls_by_id, default=None)
        self.escalation = keyed(uow, repository.escalations_of, default=None)
        self.counts: DataLoader[int, Counts] = keyed(
            uow, repository.counts, default=Counts(), cache=False
        )
        self.answers = DataLoader[AnswerKey, list[WhistleRecipient]](
            self._load_answers, cache=False
        )

    async def _load_answers(self, keys: list[AnswerKey]) -> list[list[WhistleRecipient]]:
        session = await self._uow.session()
        found: dict[AnswerKey, list[WhistleRecipient]] = {}
        for member_id, unit_id in {(m, u) for _, m, u in keys if (m, u) != (None, None)}:
            ids = [call for call, m, u in keys if (m, u) == (member_id, unit_id)]
            own = repository.own_recipients(member_id, unit_id)
            for row in await repository.own_answers(session, ids, own):
                found.setdefault((row.whistle_call_id, member_id, unit_id), []).append(row)
        return [found.get(key, []) for key in keys]
