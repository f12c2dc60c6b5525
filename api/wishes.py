"""GraphQL of wishes (filled in by its own work)."""


class WishQuery:
    """Filled in by the wishes work."""


class WishMutation:
    """Filled in by the wishes work."""
