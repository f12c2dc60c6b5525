"""Errors of the per-county rules."""

from infra.errors import InvalidInput


class InvalidRules(InvalidInput):
    code = "INVALID_RULES"
