"""Scoring's tables: each member's and unit's totals per period (filled by the scoring
issue's helper)."""
