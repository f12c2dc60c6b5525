"""DataLoaders of the assessment: each form's and evaluation's history, and the rules a
year is judged by (a list's grade options read the rules once per year, not per form).

Made per request like every loader. They hang off the request's `Loaders` (a weak map,
so they go with it) rather than being a property of it: `assessment_loaders(info)`.
"""

from collections.abc import Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.keyed import keyed
from api.loaders import Loaders
from infra.db import UnitOfWork
from services.assessment import repository
from services.assessment.common import year_rules
from services.assessment.models import AssessmentChange
from tenants.rules.model import Rules


async def _rules_of_years(session: AsyncSession, years: Sequence[int]) -> Mapping[int, Rules]:
    return {year: await year_rules(session, year) for year in years}


class AssessmentLoaders:
    def __init__(self, uow: UnitOfWork) -> None:
        none: list[AssessmentChange] = []
        # Uncached: a mutation's answer shows the step it just took.
        self.form_history: DataLoader[int, list[AssessmentChange]] = keyed(
            uow, repository.form_history, default=none, cache=False
        )
        self.evaluation_history: DataLoader[int, list[AssessmentChange]] = keyed(
            uow, repository.evaluation_history, default=none, cache=False
        )
        self.year_rules: DataLoader[int, Rules | None] = keyed(uow, _rules_of_years, default=None)


_PER_REQUEST: "WeakKeyDictionary[Loaders, AssessmentLoaders]" = WeakKeyDictionary()


def assessment_loaders(info: Info[Any, None]) -> AssessmentLoaders:
    loaders: Loaders = info.context.loaders
    found = _PER_REQUEST.get(loaders)
    if found is None:
        found = _PER_REQUEST[loaders] = AssessmentLoaders(info.context.uow)
    return found
