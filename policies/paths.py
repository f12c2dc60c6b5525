"""Materialized paths: `'1.5.23.'` is node 23 under 5 under the county root 1.

Each path ends with the separator, so a node's subtree is the one range
`[path, path[:-1] + '/')` under `COLLATE "C"` ('/' follows '.'): it holds the node and
its descendants and never a sibling whose id merely shares a prefix ('1.5.' vs '1.52.').
B-tree range comparisons are leakproof, so the range uses the `(tenant_id, path)` index
under row-level security, where `LIKE` and ltree's `<@` do not.
"""

from typing import Any

from sqlalchemy import ColumnElement, Text
from sqlalchemy.orm import MappedColumn, mapped_column

SEPARATOR = "."


def child_path(parent_path: str | None, node_id: int) -> str:
    return f"{parent_path or ''}{node_id}{SEPARATOR}"


def subtree_end(path: str) -> str:
    """The first path after the subtree of `path` (exclusive upper bound)."""
    return path[:-1] + "/"


def in_subtree(path: Any, subtree: str | None) -> list[ColumnElement[bool]]:
    """The conditions putting a path column in the subtree at `subtree` (none for None):
    the one range every subtree filter uses."""
    return [] if subtree is None else [path >= subtree, path < subtree_end(subtree)]


def is_within(path: str, ancestor: str) -> bool:
    """Whether `path` is `ancestor` or below it."""
    return path.startswith(ancestor)


def node_ids(path: str) -> list[int]:
    """The ids along the path, root first, the node itself last."""
    return [int(part) for part in path.split(SEPARATOR) if part]


def ancestor_paths(path: str) -> list[str]:
    """The paths of the node's ancestors, root first (the node itself excluded)."""
    ids = node_ids(path)
    return [SEPARATOR.join(str(i) for i in ids[:depth]) + SEPARATOR for depth in range(1, len(ids))]


def outermost(paths: list[str]) -> list[str]:
    """The paths not inside another of them: the same subtrees, no overlap."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not is_within(path, kept[-1]):
            kept.append(path)
    return kept


# Columns holding a copy of a node's path carry this in their `info`; moving a node
# rewrites every such column below it (append-only logs keep the path of their time).
FOLLOWS_NODE_MOVES = "follows_node_moves"


def scope_path_column(*, nullable: bool = False) -> MappedColumn[Any]:
    """The path of the row's node, kept current when the node moves."""
    return mapped_column(Text(collation="C"), nullable=nullable, info={FOLLOWS_NODE_MOVES: True})
