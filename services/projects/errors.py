"""Errors of projects."""
