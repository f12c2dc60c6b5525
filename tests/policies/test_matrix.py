"""policies/README.md is the policy as a table, and the policy names exactly our roles."""

from policies import matrix
from policies.enforcer import default_permissions
from policies.roles import Role


def test_readme_is_the_rendered_policy() -> None:
    on_disk = matrix.README_FILE.read_text(encoding="utf-8")
    assert on_disk == matrix.render(), (
        "policies/README.md is out of date with policies/policy.csv: "
        "run `uv run gongjian policy matrix` and commit the result"
    )


def test_policy_roles_are_the_role_enum_in_order() -> None:
    assert default_permissions().roles == [role.value for role in Role]


def test_every_role_has_a_column_and_every_action_a_row() -> None:
    rendered = matrix.render()
    permissions = default_permissions()
    for role in permissions.roles:
        assert f"`{role}`" in rendered
    rows = [line for line in rendered.splitlines() if line.startswith("|")]
    granted = sum(
        permissions.allows(role, resource, action)
        for resource, actions in permissions.actions.items()
        for action in actions
        for role in permissions.roles
    )
    assert sum(row.count(matrix.GRANTED) for row in rows) == granted
