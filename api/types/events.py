"""The events log as partners read it: one Event per row, with its opaque position."""

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from policies.paths import node_ids
from services.events.contract import payload_version
from services.events.log import Position
from services.events.models import Event

NODE = "HierarchyNode"


@strawberry.type(
    name="Event",
    description="事件日志中的一条事件：随引起它的操作在同一事务中写入，按日志顺序读取",
)
class EventType(relay.Node):
    id: relay.NodeID[int]
    cursor: str = strawberry.field(
        description="事件在日志中的位置（不透明）：作为 after 传回，即从这条事件之后继续"
    )
    type: str = strawberry.field(description="事件类型，如 service_record.confirmed")
    version: int = strawberry.field(
        description="负载的版本：其字段见 graphql/events/<type>.v<version>.json"
    )
    occurred_at: datetime = strawberry.field(description="发生时间")
    node_id: relay.GlobalID | None = strawberry.field(
        description="事件所涉节点（区划或网格）；涉及全县（区）的事件没有"
    )
    node_path: list[relay.GlobalID] = strawberry.field(
        description="从县（区）到事件所涉节点的各级节点，上级在前"
    )
    payload: JSON = strawberry.field(description="事件负载（按类型和版本约定的字段）")

    @classmethod
    def from_event(cls, event: Event) -> "EventType":
        path = [relay.GlobalID(NODE, str(i)) for i in node_ids(event.scope_path or "")]
        return cls(
            id=event.id,
            cursor=Position.of(event).cursor,
            type=event.type,
            version=payload_version(event.type),
            occurred_at=event.occurred_at,
            node_id=path[-1] if path else None,
            node_path=path,
            payload=event.payload,  # type: ignore[arg-type]
        )
