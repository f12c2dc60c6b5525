"""A DataLoader over a repository function that finds rows by key, in one query."""

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from infra.db import UnitOfWork

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


def keyed(
    uow: UnitOfWork,
    fetch: Callable[[AsyncSession, list[K]], Awaitable[Mapping[K, V]]],
    *,
    default: D,
    cache: bool = True,
) -> DataLoader[K, V | D]:
    """Loads `fetch(session, keys)`; a key it does not find gives `default`. Uncached
    loaders read again after a mutation of the same request, so counts stay current."""

    async def load(keys: list[K]) -> list[V | D]:
        found = await fetch(await uow.session(), keys)
        return [found.get(key, default) for key in keys]

    return DataLoader(load, cache=cache)
