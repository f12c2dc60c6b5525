"""Errors of whistles."""
