"""GraphQL of lists (filled in by its own work)."""


class ListsQuery:
    """Filled in by the lists work."""


class ListsMutation:
    """Filled in by the lists work."""
