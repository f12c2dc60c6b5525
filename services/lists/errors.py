"""Errors of lists."""
