"""The 账号 sheet: staff accounts and the roles they hold, by account name.

A new account needs its initial password; an account already there keeps its password
and home, gets any role it lacks, and takes the name given.
"""

from infra.errors import DomainError
from policies import repository as grants
from policies.roles import ROLE_NAMES, Role
from services.identity import repository as identity
from services.identity.grants import GRANTABLE_ROLES, grant_role
from services.identity.service import check_account, create_user, normalize_username
from services.onboarding.cells import RowReader
from services.onboarding.run import ImportRun
from services.onboarding.workbook import ACCOUNTS, SheetRows
from services.registry import fields
from services.registry import repository as registry

ROLES: dict[str, Role] = {ROLE_NAMES[Role(r)]: Role(r) for r in GRANTABLE_ROLES} | {
    r: Role(r) for r in GRANTABLE_ROLES
}
# The identity service's error fields that are columns of this sheet.
COLUMNS = ("username", "name", "password")


def role(value: object) -> Role:
    name = fields.text(value)
    if name not in ROLES:
        if not name:
            raise fields.FieldProblem("不能为空")
        choices = "、".join(ROLE_NAMES[Role(r)] for r in GRANTABLE_ROLES)
        raise fields.FieldProblem(f"应为{choices}之一，收到“{name[:20]}”")
    return ROLES[name]


async def _links(run: ImportRun, reader: RowReader) -> tuple[int | None, int | None]:
    """The unit (by credit code) and the member (by mobile) an account acts for."""
    unit_id = member_id = None
    code = fields.text(reader.raw("unit_code"))
    if code:
        known = (await run.units()).get(code)
        if known is not None:
            unit_id = known.id
        elif code not in run.planned_units:
            reader.problem("unit_code", f"{code} 在单位表和系统中都找不到")
    mobile = reader.cell("member_mobile", fields.optional_mobile)
    if mobile:
        found = await registry.members_by_index(run.session, [run.personal.index(mobile)], [])
        if found:
            member_id = found[0].id
        else:
            reader.problem("member_mobile", f"{mobile} 在党员表和系统中都找不到")
    return unit_id, member_id


async def import_accounts(run: ImportRun, rows: SheetRows) -> None:
    counts = run.report.sheet(ACCOUNTS.name)
    planned: dict[str, str] = {}
    for number, row in rows.rows:
        reader = RowReader(run.report, rows, number, row)
        username = normalize_username(fields.text(reader.raw("username")))
        name = reader.cell("name", fields.person_name)
        held = reader.cell("role", role)
        password = fields.text(reader.raw("password"))
        node = await run.node(reader, "node_code")
        unit_id, member_id = await _links(run, reader)
        user = await identity.user_by_username(run.session, username) if username else None
        if user is None and username not in planned:
            try:
                check_account(username, name or "-", password)
            except DomainError as error:
                reader.problem(error.field if error.field in COLUMNS else "username", error.message)
        elif planned.get(username, name) != name:
            reader.problem("name", f"与同一账号前面行的姓名“{planned[username]}”不同")
        if not reader.ok or name is None or held is None or node is None:
            continue
        if not run.writing:
            planned.setdefault(username, name)
            continue
        try:
            if user is None:
                user = await create_user(
                    run.session,
                    run.principal,
                    run.identity,
                    username=username,
                    name=name,
                    password=password,
                    node_id=node.id,
                )
                outcome = "created"
            else:
                outcome = "unchanged"
                if user.name != name:
                    user.name, outcome = name, "updated"
            linked = (unit_id or user.unit_id, member_id or user.member_id)
            if linked != (user.unit_id, user.member_id):
                holder = await identity.account_of_member(run.session, linked[1])
                if holder is not None and holder.id != user.id:
                    reader.problem("member_mobile", f"该党员已绑定账号“{holder.username}”")
                    continue
                user.unit_id, user.member_id = linked
                await run.session.flush()
                outcome = "created" if outcome == "created" else "updated"
            if await grants.find(run.session, user.id, held, node.id) is None:
                await grant_role(
                    run.session, run.principal, user_id=user.id, role=held, node_id=node.id
                )
                outcome = "created" if outcome == "created" else "updated"
        except DomainError as error:
            reader.problem(error.field if error.field in COLUMNS else None, error.message)
            continue
        planned.setdefault(username, name)
        if outcome == "created":
            counts.created += 1
        elif outcome == "updated":
            counts.updated += 1
        else:
            counts.unchanged += 1
