"""Opaque global IDs: `relay.GlobalID` of a type, decoded with a clear error."""

from uuid import UUID

from strawberry import relay

from infra.errors import NotFound


def local_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> str:
    if global_id.type_name != type_name:
        raise NotFound(f"编号 {global_id} 不是有效的{type_name}编号", field=field)
    return global_id.node_id


def int_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> int:
    try:
        return int(local_id(global_id, type_name, field))
    except ValueError as error:
        raise NotFound("编号无效", field=field) from error


def uuid_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> UUID:
    try:
        return UUID(local_id(global_id, type_name, field))
    except ValueError as error:
        raise NotFound("编号无效", field=field) from error
