"""Reading and setting a county's rules: which version holds on a day, and new versions."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from infra.clock import today
from infra.db import bound_tenant
from infra.pagination import Page, PageOf
from policies import access, audit
from policies.principal import Principal
from tenants.hierarchy import service as hierarchy
from tenants.hierarchy.service import ref
from tenants.rules import repository
from tenants.rules.errors import InvalidRules
from tenants.rules.model import Rules
from tenants.rules.models import RulesVersion

NOTE_MAX_LENGTH = 200


@dataclass(frozen=True)
class InForce:
    rules: Rules
    # None: the county never set its rules, so the platform's defaults hold.
    version: RulesVersion | None


async def in_force_on(session: AsyncSession, day: date) -> InForce:
    version = await repository.version_on(session, day)
    if version is None:
        return InForce(rules=Rules(), version=None)
    return InForce(rules=Rules.from_stored(version.body), version=version)


async def rules_on(session: AsyncSession, day: date) -> Rules:
    """The rules a day is judged by (the defaults until the county sets its own)."""
    return (await in_force_on(session, day)).rules


async def current_rules(session: AsyncSession) -> Rules:
    return await rules_on(session, today())


async def _require_read(session: AsyncSession, principal: Principal) -> None:
    """The county's rules hold everywhere in it, so whoever may read rules at any node of
    the county may read them; anyone else is refused (and audited) at the county."""
    if access.allowed_subtrees(principal, "rules", "read") != []:
        return
    root = await hierarchy.root(session)
    access.require(session, principal, resource="rules", action="read", node=ref(root))


async def read_rules(session: AsyncSession, principal: Principal, *, on: date | None) -> InForce:
    """The rules in force on `on` (today when not given)."""
    await _require_read(session, principal)
    return await in_force_on(session, on or today())


async def history(session: AsyncSession, principal: Principal, page: Page) -> PageOf[RulesVersion]:
    """Every version the county has set, the latest set first."""
    await _require_read(session, principal)
    return await repository.history(session, page)


def _clean_note(note: str | None) -> str | None:
    cleaned = (note or "").strip()
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise InvalidRules(f"修改说明不超过 {NOTE_MAX_LENGTH} 个字", field="note")
    return cleaned or None


async def set_rules(
    session: AsyncSession,
    principal: Principal,
    *,
    effective_from: date,
    rules: Rules,
    note: str | None = None,
) -> RulesVersion:
    """A new version of the county's rules from `effective_from` (today or later: a past
    period keeps the rules it was judged by)."""
    root = await hierarchy.root(session)
    access.require(session, principal, resource="rules", action="update", node=ref(root))
    first_day = today()
    if effective_from < first_day:
        raise InvalidRules(
            f"生效日期不能早于今天（{first_day.isoformat()}）：已过去的时段仍按当时的规则评定",
            field="effectiveFrom",
        )
    cleaned_note = _clean_note(note)
    replaced = await rules_on(session, effective_from)
    version = await repository.add(
        session,
        RulesVersion(
            tenant_id=bound_tenant(session),
            effective_from=effective_from,
            body=rules.to_stored(),
            created_by=principal.name,
            note=cleaned_note,
        ),
    )
    await audit.record(
        session,
        action="rules.set",
        actor=principal,
        node=ref(root),
        object_type="rules",
        object_id=str(version.id),
        detail={
            "effective_from": effective_from.isoformat(),
            "note": cleaned_note,
            "changes": changes(replaced.to_stored(), version.body),
        },
    )
    return version


def changes(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """What differs between two stored rules, by dotted key: `{"hours.cap_per_day":
    {"before": "12", "after": "10"}}` (lists are compared whole)."""
    found: dict[str, Any] = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            found |= changes(old, new, f"{prefix}{key}.")
        elif old != new:
            found[f"{prefix}{key}"] = {"before": old, "after": new}
    return found
