"""Materialized paths: a subtree is one range, and never takes in a sibling."""

import pytest

from policies.paths import (
    ancestor_paths,
    child_path,
    is_within,
    node_ids,
    outermost,
    subtree_end,
)


def test_child_path_of_the_root_and_below() -> None:
    assert child_path(None, 1) == "1."
    assert child_path("", 1) == "1."
    assert child_path("1.", 5) == "1.5."
    assert child_path("1.5.", 23) == "1.5.23."


def test_subtree_end_closes_the_range_after_every_descendant() -> None:
    assert subtree_end("1.5.") == "1.5/"
    # Under COLLATE "C" (byte order, as Python compares str) '/' follows '.' and
    # precedes the digits, so the range holds the node and its descendants only.
    assert "1.5." < "1.5.23." < "1.5.999.1." < subtree_end("1.5.")
    assert not "1.5." <= "1.52." < subtree_end("1.5.")
    assert not "1.5." <= "1.50.3." < subtree_end("1.5.")
    assert not "1.5." <= "1.6." < subtree_end("1.5.")
    assert not "1.5." <= "1.4." < subtree_end("1.5.")


@pytest.mark.parametrize(
    ("path", "ancestor", "expected"),
    [
        ("1.5.", "1.5.", True),
        ("1.5.23.", "1.5.", True),
        ("1.5.23.7.", "1.", True),
        ("1.5.", "1.5.23.", False),
        ("1.", "1.5.", False),
        # Siblings whose ids merely share a prefix.
        ("1.52.", "1.5.", False),
        ("1.5.", "1.52.", False),
        ("1.50.3.", "1.5.", False),
        ("1.5.3.", "1.50.", False),
        ("1.6.", "1.5.", False),
        # Another county's tree.
        ("12.5.", "1.", False),
        ("2.5.", "1.", False),
    ],
)
def test_is_within(path: str, ancestor: str, *, expected: bool) -> None:
    assert is_within(path, ancestor) is expected


@pytest.mark.parametrize(
    ("path", "ancestor"),
    [("1.5.", "1.5."), ("1.5.23.", "1.5."), ("1.52.", "1.5."), ("1.50.3.", "1.5.")],
)
def test_is_within_agrees_with_the_subtree_range(path: str, ancestor: str) -> None:
    assert is_within(path, ancestor) is (ancestor <= path < subtree_end(ancestor))


def test_node_ids() -> None:
    assert node_ids("1.") == [1]
    assert node_ids("1.5.23.") == [1, 5, 23]


def test_ancestor_paths_root_first_without_the_node() -> None:
    assert ancestor_paths("1.") == []
    assert ancestor_paths("1.5.") == ["1."]
    assert ancestor_paths("1.5.23.") == ["1.", "1.5."]
    assert ancestor_paths("1.52.230.") == ["1.", "1.52."]
    for path in ("1.5.23.", "1.52.230.7."):
        assert all(is_within(path, ancestor) for ancestor in ancestor_paths(path))


def test_outermost_drops_paths_inside_others() -> None:
    assert outermost([]) == []
    assert outermost(["1.5.23.", "1.5."]) == ["1.5."]
    assert outermost(["1.5.", "1.5.", "1.5.23."]) == ["1.5."]
    assert outermost(["1.", "1.5.", "1.6.7."]) == ["1."]
    assert outermost(["1.6.7.", "1.6.8."]) == ["1.6.7.", "1.6.8."]


def test_outermost_keeps_siblings_that_share_a_prefix() -> None:
    assert outermost(["1.52.", "1.5."]) == ["1.5.", "1.52."]
    assert outermost(["1.5.", "1.50.3.", "1.52.", "1.5.2."]) == ["1.5.", "1.50.3.", "1.52."]
    # '1.5.2.' sorts between '1.5.' and '1.50.3.' yet lies inside the first only.
    assert outermost(["1.50.3.", "1.5.2."]) == ["1.5.2.", "1.50.3."]
