"""graphql/ is the contract: the schema file matches the code, and every operation in it
is valid against that schema."""

from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate

from api.cli import SCHEMA_FILE, main
from api.schema import build_schema
from infra.settings import Settings

OPERATIONS = sorted((SCHEMA_FILE.parent / "operations").glob("*.graphql"))


def test_the_committed_schema_matches_the_code() -> None:
    exported = build_schema(Settings()).as_str() + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == exported, (
        "graphql/schema.graphql is stale: run `uv run gongjian schema export`"
    )


def test_schema_export_writes_the_contract(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    main(["schema", "export", "--output", str(target)])
    assert target.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")


def test_there_are_named_operations() -> None:
    assert OPERATIONS


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda path: path.stem)
def test_each_named_operation_is_valid(operation: Path) -> None:
    schema = build_schema(Settings())._schema
    document = parse(operation.read_text(encoding="utf-8"))
    assert [str(e) for e in validate(schema, document)] == []
    names = [
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]
    assert names == [operation.stem], "one operation per file, named as the file"
