"""Errors of the year-end feedback and the unit evaluations."""
