"""Personal data at rest (PIPL): sealed with a rotatable key, found through a keyed hash,
shown masked unless the reader may see it in clear.

A column holding sealed data is made with `sealed_column()`, so key rotation finds every
one of them through the column's `info`, whatever table it is in.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import LargeBinary, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import MappedColumn, mapped_column

from infra.db import Base
from infra.secrets import personal_data_index_key, personal_data_keys
from infra.settings import Settings

SEALED = "sealed_personal_data"


def sealed_column(*, nullable: bool = False) -> MappedColumn[Any]:
    """A column holding a value sealed by `PersonalData.seal`."""
    return mapped_column(LargeBinary, nullable=nullable, info={SEALED: True})


class KeyMissing(RuntimeError):
    """Sealed data that none of the configured keys opens: a key was dropped too early."""


@dataclass(frozen=True)
class PersonalData:
    """Seals, opens and indexes personal data with the deployment's keys."""

    keys: MultiFernet
    index_key: bytes

    @classmethod
    def from_keys(cls, keys: list[bytes], index_key: bytes) -> "PersonalData":
        if not keys:
            raise ValueError("at least one personal-data key is needed")
        return cls(keys=MultiFernet([Fernet(key) for key in keys]), index_key=index_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> "PersonalData":
        return cls.from_keys(personal_data_keys(settings), personal_data_index_key(settings))

    def seal(self, value: str) -> bytes:
        return self.keys.encrypt(value.encode())

    def open(self, sealed: bytes) -> str:
        try:
            return self.keys.decrypt(sealed).decode()
        except InvalidToken as error:
            raise KeyMissing("sealed personal data that no configured key opens") from error

    def reseal(self, sealed: bytes) -> bytes:
        """The same value sealed with the newest key."""
        return self.keys.rotate(sealed)

    def index(self, value: str) -> bytes:
        """A keyed hash of the value: equal values match, and it cannot be reversed
        (a plain hash of an 11-digit mobile number could be, by trying them all)."""
        return hmac.new(self.index_key, value.encode(), hashlib.sha256).digest()


def mask_mobile(mobile: str) -> str:
    """138****5678"""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "****"


def mask_id_card(number: str) -> str:
    """110101********1234"""
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if len(number) > 10 else "****"


def mask_name(name: str) -> str:
    """张*, 欧阳**: the family name, the rest hidden."""
    if len(name) <= 1:
        return name
    family = 2 if len(name) >= 4 else 1
    return name[:family] + "*" * (len(name) - family)


async def reseal_tenant(session: AsyncSession, personal: PersonalData) -> int:
    """Seal every personal value of the session's tenant again with the newest key (after
    a new key was put first): the older keys can then be dropped. Returns values resealed."""
    resealed = 0
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if not isinstance(table, Table):
            continue
        sealed = [c for c in table.columns if c.info.get(SEALED)]
        if not sealed:
            continue
        keys = list(table.primary_key.columns)
        rows = await session.stream(select(*keys, *sealed).execution_options(yield_per=1000))
        async for batch in rows.partitions():
            changes = []
            for row in batch:
                values = dict(zip([c.name for c in (*keys, *sealed)], row, strict=True))
                for column in sealed:
                    if values[column.name] is not None:
                        values[column.name] = personal.reseal(values[column.name])
                        resealed += 1
                changes.append({f"k_{k}": v for k, v in values.items()})
            statement = (
                table.update()
                .where(*(key == bindparam(f"k_{key.name}") for key in keys))
                .values({c.name: bindparam(f"k_{c.name}") for c in sealed})
            )
            await session.execute(statement, changes)
    return resealed
