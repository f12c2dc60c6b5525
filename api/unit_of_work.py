"""Ends each operation's unit of work: commit when it succeeded, otherwise roll back."""

from collections.abc import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from api.context import Context


class UnitOfWorkExtension(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        assert isinstance(context, Context)
        succeeded = False
        try:
            yield
            result = self.execution_context.result
            succeeded = (
                isinstance(result, ExecutionResult | GraphQLExecutionResult) and not result.errors
            )
        finally:
            try:
                await context.uow.finish(commit=succeeded)
            except Exception as exc:
                # A failed commit loses the operation: say so instead of answering success.
                result = self.execution_context.result
                if isinstance(result, ExecutionResult | GraphQLExecutionResult):
                    error = GraphQLError(str(exc), original_error=exc)
                    result.data = None
                    result.errors = [*(result.errors or []), error]
                else:
                    raise
