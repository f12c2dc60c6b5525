"""Errors of notifications."""
