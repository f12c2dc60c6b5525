"""Every event the notifications catalogue names is one the platform writes (it has a
payload contract), and each notice renders from a payload shaped by that contract: the
fields it reads are the contract's, the words are Chinese."""

import json
from pathlib import Path
from typing import Any

import pytest

from services.notifications.catalogue import NOTICES, notices_for

EVENTS = Path(__file__).parents[2] / "graphql" / "events"
SAMPLES: dict[str, Any] = {
    "date": "2026-11-20",
    "date-time": "2026-11-20T09:30:00+08:00",
}
# Values the notices read by meaning, not only by type.
KNOWN = {
    "kind": "emergency",
    "post": "building_head",
    "hours": "3.00",
    "min_hours": "10",
    "status": "confirmed",
}


def sample(name: str, schema: dict[str, Any]) -> Any:
    if name in KNOWN:
        return KNOWN[name]
    if "enum" in schema:
        return schema["enum"][0]
    kinds = schema.get("type", "string")
    kind = next(k for k in ([kinds] if isinstance(kinds, str) else kinds) if k != "null")
    if kind == "string":
        return SAMPLES.get(schema.get("format", ""), "示例")
    if kind in ("integer", "number"):
        return 2
    if kind == "boolean":
        return False
    if kind == "array":
        return [1, 2]
    return {"started_at": "2026-11-20T09:30:00+08:00", "hours": "2.00"}


@pytest.mark.parametrize("event_type", sorted(NOTICES))
def test_a_notice_renders_from_its_events_contract(event_type: str) -> None:
    contract = EVENTS / f"{event_type}.v1.json"
    assert contract.exists(), f"{event_type} has no payload contract"
    schema = json.loads(contract.read_text(encoding="utf-8"))
    payload = {name: sample(name, field) for name, field in schema["properties"].items()}
    notices = notices_for(event_type, payload)
    assert notices
    for notice in notices:
        assert notice.title
        assert notice.body
        assert "None" not in notice.title + notice.body
        assert notice.audience.sql.startswith("SELECT")
