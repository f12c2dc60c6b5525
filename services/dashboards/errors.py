"""Errors of the dashboards."""
