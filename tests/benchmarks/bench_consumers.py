"""The benchmark's consumer, imported by its worker processes (`--import`): it applies
`bench.` events and does nothing else, so the figure is the pipeline's own cost (the
relay, the broker, the actor, `consume`'s idempotence row and event read)."""

from sqlalchemy.ext.asyncio import AsyncSession

from infra.consumers import EventMessage, consumer


@consumer("bench", types=("bench.",))
async def apply(session: AsyncSession, events: list[EventMessage]) -> None:
    return None
