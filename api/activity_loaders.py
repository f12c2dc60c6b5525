"""DataLoaders of activities: by id, the live counts, waiting-list places, and the caller's
own sign-up and attendance (the last four not cached: read again after a mutation of the
same request, they are current)."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.db import UnitOfWork
from services.activities import repository
from services.activities.models import ActivitySignup, Attendance, SignupStatus
from services.activities.repository import Counts

# The caller's row at an activity: (activity id, the caller's member id).
MineKey = tuple[int, int]


def _mine(signups: list[ActivitySignup]) -> ActivitySignup | None:
    """The live sign-up if there is one, else the latest (cancelled)."""
    live = [s for s in signups if s.status is not SignupStatus.CANCELLED]
    chosen = live or signups
    return chosen[-1] if chosen else None


class ActivityLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.activity = keyed(uow, repository.activities_by_id, default=None)
        self.counts: DataLoader[int, Counts] = keyed(
            uow, repository.counts, default=Counts(), cache=False
        )
        self.waitlist_position: DataLoader[int, int | None] = keyed(
            uow, repository.waitlist_positions, default=None, cache=False
        )
        self.my_signup = DataLoader[MineKey, ActivitySignup | None](self._load_signups, cache=False)
        self.my_attendance = DataLoader[MineKey, Attendance | None](
            self._load_attendance, cache=False
        )

    async def _load_signups(self, keys: list[MineKey]) -> list[ActivitySignup | None]:
        session = await self._uow.session()
        found: dict[MineKey, list[ActivitySignup]] = {}
        for member_id in {m for _, m in keys}:
            ids = [a for a, m in keys if m == member_id]
            for row in await repository.signups_of(session, ids, member_id):
                found.setdefault((row.activity_id, member_id), []).append(row)
        return [_mine(found.get(key, [])) for key in keys]

    async def _load_attendance(self, keys: list[MineKey]) -> list[Attendance | None]:
        session = await self._uow.session()
        found: dict[MineKey, Attendance] = {}
        for member_id in {m for _, m in keys}:
            ids = [a for a, m in keys if m == member_id]
            for row in await repository.attendances_of(session, ids, member_id):
                found[(row.activity_id, member_id)] = row
        return [found.get(key) for key in keys]
