"""Per-county rules: star levels, points, hours, quotas and posts, versioned by effective date."""
