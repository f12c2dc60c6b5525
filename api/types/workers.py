"""死信: a message the workers could not process after every retry, as admins see it."""

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from infra.dead_letters import FailedMessageNotFound
from infra.jobs import FailedMessage

TYPE_NAME = "FailedMessage"


def node_id(tenant_id: UUID, failed_id: int) -> str:
    """Dead letters are listed across counties for platform admins, so their ids name
    the county as well."""
    return f"{tenant_id}.{failed_id}"


def parse_node_id(global_id: relay.GlobalID) -> tuple[UUID, int]:
    if global_id.type_name != TYPE_NAME:
        raise FailedMessageNotFound(f"编号 {global_id} 不是有效的失败消息编号", field="id")
    tenant, _, number = global_id.node_id.partition(".")
    try:
        return UUID(tenant), int(number)
    except ValueError as error:
        raise FailedMessageNotFound("编号无效", field="id") from error


@strawberry.type(name=TYPE_NAME, description="重试用尽仍未处理成功的消息（死信）")
class FailedMessageType(relay.Node):
    id: relay.NodeID[str]
    county_code: str = strawberry.field(description="所属县（区）代码")
    actor: str = strawberry.field(description="处理程序（如 consume_scoring）")
    event_id: int | None = strawberry.field(description="消息所带事件在事件日志中的序号")
    message_id: str = strawberry.field(description="消息编号")
    arguments: JSON = strawberry.field(description="消息参数")
    error: str = strawberry.field(description="最后一次失败的错误")
    attempts: int = strawberry.field(description="已尝试次数")
    failed_at: datetime = strawberry.field(description="判定失败的时间")
    retried_at: datetime | None = strawberry.field(description="重新投递的时间，未重新投递为空")
    retry_message_id: str | None = strawberry.field(description="重新投递的消息编号")

    @classmethod
    def from_model(cls, county_code: str, failed: FailedMessage) -> "FailedMessageType":
        return cls(
            id=node_id(failed.tenant_id, failed.id),
            county_code=county_code,
            actor=failed.actor,
            event_id=failed.event_id,
            message_id=failed.message_id,
            arguments=failed.args,  # type: ignore[arg-type]
            error=failed.error,
            attempts=failed.attempts,
            failed_at=failed.failed_at,
            retried_at=failed.retried_at,
            retry_message_id=failed.retry_message_id,
        )
