"""Errors of wishes."""
