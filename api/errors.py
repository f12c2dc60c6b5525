"""How errors reach clients: expected ones with a code, unexpected ones masked and reported."""

import logging
from collections.abc import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionResult

from infra.errors import DomainError
from infra.observability import report_exception

log = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "服务器内部错误，请稍后再试；如持续出现，请联系平台管理员"
# An ID argument that is not an ID at all, refused before any resolver runs.
MALFORMED_ID_MESSAGE = "编号格式不正确，请使用查询结果中给出的编号"


def present(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        # Syntax, validation and limit errors: the client's query, told as it is.
        return error
    if isinstance(original, DomainError):
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions=extensions,
        )
    if isinstance(original, GlobalIDValueError):
        return GraphQLError(
            MALFORMED_ID_MESSAGE,
            nodes=error.nodes,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions={"code": "INVALID_INPUT"},
        )
    log.error("unexpected error in %s", error.path, exc_info=original)
    report_exception(original)
    return GraphQLError(
        INTERNAL_ERROR_MESSAGE,
        nodes=error.nodes,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_ERROR"},
    )


class ErrorPresentation(SchemaExtension):
    """Give domain errors their code; mask everything unexpected after reporting it."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, ExecutionResult | GraphQLExecutionResult) and result.errors:
            result.errors = [present(error) for error in result.errors]
