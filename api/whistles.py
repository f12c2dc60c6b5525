"""GraphQL of whistles (filled in by its own work)."""


class WhistleQuery:
    """Filled in by the whistles work."""


class WhistleMutation:
    """Filled in by the whistles work."""
