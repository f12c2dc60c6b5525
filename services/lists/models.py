"""Needs (需求清单), resources (资源清单), their matching, and 12345 work orders."""
