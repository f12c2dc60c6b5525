"""DataLoaders of projects, claims and tasks: one query for every row of a response.

Counts, the caller's claims and progress lists are not cached, so a list read again after
a mutation in the same request is current."""

from strawberry.dataloader import DataLoader

from api.keyed import keyed
from infra.db import UnitOfWork
from services.projects import repository
from services.projects.models import ACTIVE_CLAIM_STATUSES, ProjectClaim, TaskProgress

# The caller's claims on a project: (project id, the caller's unit id, member id).
ClaimKey = tuple[int, int | None, int | None]


def _mine(claims: list[ProjectClaim]) -> ProjectClaim | None:
    """The claim holding a place if there is one, else the latest (withdrawn …)."""
    active = [claim for claim in claims if claim.status in ACTIVE_CLAIM_STATUSES]
    chosen = active or claims
    return chosen[-1] if chosen else None


class ProjectLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.project = keyed(uow, repository.projects_by_id, default=None)
        self.claimed: DataLoader[int, int] = keyed(
            uow, repository.claimed_counts, default=0, cache=False
        )
        self.my_claim = DataLoader[ClaimKey, ProjectClaim | None](self._load_mine, cache=False)
        self.progress = DataLoader[int, list[TaskProgress]](self._load_progress, cache=False)

    async def _load_mine(self, keys: list[ClaimKey]) -> list[ProjectClaim | None]:
        session = await self._uow.session()
        found: dict[ClaimKey, list[ProjectClaim]] = {}
        for unit_id, member_id in {(u, m) for _, u, m in keys}:
            ids = [project for project, u, m in keys if (u, m) == (unit_id, member_id)]
            for claim in await repository.claims_for_projects(session, ids, unit_id, member_id):
                found.setdefault((claim.project_id, unit_id, member_id), []).append(claim)
        return [_mine(found.get(key, [])) for key in keys]

    async def _load_progress(self, task_ids: list[int]) -> list[list[TaskProgress]]:
        rows = await repository.progress_of(await self._uow.session(), task_ids)
        found: dict[int, list[TaskProgress]] = {}
        for row in rows:
            found.setdefault(row.task_id, []).append(row)
        return [found.get(i, []) for i in task_ids]
