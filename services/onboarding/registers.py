"""The 单位 and 党员 sheets: units by credit code, members by ID-card number or mobile.

Members are read and written in batches, so a file of any length needs bounded memory:
per batch, one query finds the members already registered, one statement inserts the new
ones and one updates the changed; unchanged rows are compared through keyed hashes and
never written.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import insert, update

from infra.clock import today
from services.onboarding.cells import RowReader
from services.onboarding.run import ImportRun, KnownUnit
from services.onboarding.workbook import MEMBERS, UNITS, SheetRows
from services.registry import fields, repository
from services.registry.members import RESIDENCE_KINDS
from services.registry.models import Member, RegistryStatus, Unit
from tenants.hierarchy.models import NodeKind

BATCH = 1000
UNIT_FIELDS = ("name", "kind", "party_org_type", "node_id", "contact_name", "contact_phone")
MEMBER_FIELDS = (
    "name",
    "gender",
    "joined_party_on",
    "unit_id",
    "node_id",
    "skills",
    "mobile_index",
)


def _batches(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[list[tuple[int, Any]]]:
    while batch := list(islice(rows, BATCH)):
        yield batch


async def import_units(run: ImportRun, rows: SheetRows) -> None:
    counts = run.report.sheet(UNITS.name)
    known = await run.units()
    seen: dict[str, int] = {}
    for batch in _batches(rows.rows):
        drafts: list[dict[str, Any]] = []
        for number, row in batch:
            reader = RowReader(run.report, rows, number, row)
            code = reader.cell("credit_code", fields.credit_code)
            values = {
                "name": reader.cell("name", fields.required_text),
                "kind": reader.cell("kind", fields.unit_kind),
                "party_org_type": reader.cell("party_org_type", fields.party_org_type),
                "contact_name": reader.cell("contact_name", fields.optional_text),
                "contact_phone": reader.cell("contact_phone", fields.contact_phone),
            }
            node = await run.node(reader, "location_code", (NodeKind.COMMUNITY,))
            if code is not None:
                if code in seen:
                    reader.problem("credit_code", f"与第{seen[code]}行重复")
                else:
                    seen[code] = number
                    run.planned_units.add(code)
            if reader.ok and node is not None and code is not None:
                drafts.append(
                    {**values, "credit_code": code, "node_id": node.id, "scope_path": node.path}
                )
        existing = await repository.units_by_credit_code(
            run.session, [d["credit_code"] for d in drafts]
        )
        new, changed = [], []
        for draft in drafts:
            unit = existing.get(draft["credit_code"])
            if unit is None:
                new.append(
                    {**draft, "tenant_id": run.county.tenant_id, "status": RegistryStatus.ACTIVE}
                )
                counts.created += 1
            elif unit.status is RegistryStatus.RETIRED or any(
                getattr(unit, f) != draft[f] for f in UNIT_FIELDS
            ):
                changed.append(
                    {
                        **draft,
                        "tenant_id": unit.tenant_id,
                        "id": unit.id,
                        "status": RegistryStatus.ACTIVE,
                        "retired_reason": None,
                    }
                )
                counts.updated += 1
            else:
                counts.unchanged += 1
        if not run.writing:
            continue
        if new:
            statement = insert(Unit).returning(Unit.credit_code, Unit.id)
            result = await run.session.execute(statement.execution_options(render_nulls=True), new)
            for code, unit_id in result:
                known[code] = KnownUnit(unit_id, RegistryStatus.ACTIVE)
        if changed:
            await run.session.execute(update(Unit), changed)
            for draft in changed:
                known[draft["credit_code"]] = KnownUnit(draft["id"], RegistryStatus.ACTIVE)


@dataclass
class _MemberDraft:
    number: int
    values: dict[str, Any]
    mobile: str
    id_card: str | None
    id_index: bytes | None


async def import_members(run: ImportRun, rows: SheetRows) -> None:
    counts = run.report.sheet(MEMBERS.name)
    units = await run.units()
    personal, day = run.personal, today()
    seen_mobile: dict[bytes, int] = {}
    seen_id_card: dict[bytes, int] = {}
    for batch in _batches(rows.rows):
        drafts: list[_MemberDraft] = []
        for number, row in batch:
            reader = RowReader(run.report, rows, number, row)
            # Read in the columns' order, so problems are listed as the row reads.
            values: dict[str, Any] = {
                "name": reader.cell("name", fields.person_name),
                "gender": reader.cell("gender", fields.gender),
            }
            mobile = reader.cell("mobile", fields.mobile)
            id_card = reader.cell("id_card", fields.id_card)
            values["joined_party_on"] = reader.cell(
                "joined_party_on", lambda v: fields.joining_date(v, day)
            )
            unit_code = reader.cell("unit_credit_code", fields.credit_code)
            unit = units.get(unit_code) if unit_code else None
            if unit_code and unit is None and unit_code not in run.planned_units:
                reader.problem("unit_credit_code", f"{unit_code} 在单位表和系统中都找不到")
            node = await run.node(reader, "residence_code", RESIDENCE_KINDS)
            values["skills"] = reader.cell("skills", fields.skills)
            if mobile is not None:
                values["mobile_index"] = mobile_index = personal.index(mobile)
                if mobile_index in seen_mobile:
                    reader.problem("mobile", f"与第{seen_mobile[mobile_index]}行重复")
                seen_mobile.setdefault(mobile_index, number)
            id_index = personal.index(id_card) if id_card is not None else None
            if id_index is not None:
                if id_index in seen_id_card:
                    reader.problem("id_card", f"与第{seen_id_card[id_index]}行重复")
                seen_id_card.setdefault(id_index, number)
            if reader.ok and node is not None and unit is not None and mobile is not None:
                values |= {"unit_id": unit.id, "node_id": node.id, "scope_path": node.path}
                drafts.append(_MemberDraft(number, values, mobile, id_card, id_index))
        await _write_members(run, rows, drafts, counts)


async def _write_members(
    run: ImportRun, rows: SheetRows, drafts: list[_MemberDraft], counts: Any
) -> None:
    personal = run.personal
    found = await repository.members_by_index(
        run.session,
        [d.values["mobile_index"] for d in drafts],
        [d.id_index for d in drafts if d.id_index],
    )
    by_mobile = {m.mobile_index: m for m in found}
    by_id_card = {m.id_card_index: m for m in found if m.id_card_index}
    new, changed = [], []
    for draft in drafts:
        id_index = draft.id_index
        holder_of_mobile = by_mobile.get(draft.values["mobile_index"])
        member = by_id_card.get(id_index) if id_index else None
        member = member or holder_of_mobile
        if holder_of_mobile is not None and holder_of_mobile is not member:
            run.report.problem(
                MEMBERS.name,
                draft.number,
                "手机号",
                f"已登记为另一名党员“{holder_of_mobile.name}”的号码",
            )
            continue
        if member is not None and id_index and member.id_card_index not in (None, id_index):
            run.report.problem(
                MEMBERS.name,
                draft.number,
                "身份证号",
                f"与系统中该手机号的党员“{member.name}”的身份证号不同",
            )
            continue
        if member is None:
            counts.created += 1
            new.append(
                {
                    **draft.values,
                    "tenant_id": run.county.tenant_id,
                    "mobile_sealed": personal.seal(draft.mobile),
                    "id_card_sealed": personal.seal(draft.id_card) if draft.id_card else None,
                    "id_card_index": id_index,
                    "status": RegistryStatus.ACTIVE,
                }
            )
            continue
        update_values = {
            f: draft.values[f] for f in MEMBER_FIELDS if getattr(member, f) != draft.values[f]
        }
        if id_index and member.id_card_index != id_index:
            update_values |= {
                "id_card_index": id_index,
                "id_card_sealed": personal.seal(draft.id_card or ""),
            }
        if "mobile_index" in update_values:
            update_values["mobile_sealed"] = personal.seal(draft.mobile)
        if "node_id" in update_values:
            update_values["scope_path"] = draft.values["scope_path"]
        if member.status is RegistryStatus.RETIRED:
            update_values |= {"status": RegistryStatus.ACTIVE, "retired_reason": None}
        if update_values:
            counts.updated += 1
            changed.append({**update_values, "tenant_id": member.tenant_id, "id": member.id})
        else:
            counts.unchanged += 1
    if not run.writing:
        return
    if new:
        # Every column in every row (None included): rows that leave out different columns
        # would otherwise be split into many smaller statements.
        await run.session.execute(insert(Member).execution_options(render_nulls=True), new)
    # One statement per set of columns changed (rows change different ones).
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in changed:
        by_columns.setdefault(tuple(sorted(values)), []).append(values)
    for group in by_columns.values():
        await run.session.execute(update(Member), group)
    # The members compared are not needed again: keep the session's memory flat.
    for member in found:
        run.session.expunge(member)
