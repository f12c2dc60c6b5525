"""The default policy as a table for people: policies/README.md, generated from policy.csv.

`uv run gongjian policy matrix` writes it; tests/policies/test_matrix.py fails while the
file on disk differs from what `render()` makes of the current policy.
"""

from pathlib import Path

from policies.enforcer import POLICY_DIR, Permissions, default_permissions
from policies.roles import ROLE_NAMES, Role

README_FILE = POLICY_DIR / "README.md"

GRANTED = "✓"

INTRO = (
    "本文件由 `uv run gongjian policy matrix` 根据 `policies/policy.csv`（casbin 默认策略）"
    "生成，请勿手工编辑：修改 policy.csv 后重新运行该命令。"
    "角色授予在某个节点上（一个县、乡镇、社区、小区……），"
    "在该节点及其下每一个节点都有效，在其上级和兄弟节点无效。"
    "平台管理员（`platform_admin`）不按节点授予，在所有县（区）都有效。"
    "表中 ✓ 表示该角色可对该资源执行该操作，空白表示不可。"
)


def _role_name(role: str) -> str:
    try:
        return ROLE_NAMES[Role(role)]
    except (ValueError, KeyError):
        return ""


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(permissions: Permissions | None = None) -> str:
    """The Markdown of policies/README.md for the policy casbin loads."""
    permissions = permissions or default_permissions()
    roles = permissions.roles
    lines = [
        "# 权限矩阵（Permission matrix）",
        "",
        INTRO,
        "",
        "## 角色（Roles）",
        "",
        _row(["角色", "名称"]),
        _row(["---", "---"]),
        *(_row([f"`{role}`", _role_name(role)]) for role in roles),
        "",
        "## 资源 × 操作（Resources × actions）",
        "",
        _row(["资源", "操作", *(f"`{role}`" for role in roles)]),
        _row(["---", "---", *(":-:" for _ in roles)]),
    ]
    for resource, actions in permissions.actions.items():
        for index, action in enumerate(actions):
            lines.append(
                _row(
                    [
                        f"`{resource}`" if index == 0 else "",
                        f"`{action}`",
                        *(
                            GRANTED if permissions.allows(role, resource, action) else ""
                            for role in roles
                        ),
                    ]
                )
            )
    lines.append("")
    return "\n".join(lines)


def write(path: Path = README_FILE) -> None:
    """Write the matrix (policies/README.md unless told otherwise)."""
    path.write_text(render(), encoding="utf-8")
