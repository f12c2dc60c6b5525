"""GraphQL of projects (filled in by its own work)."""


class ProjectQuery:
    """Filled in by the projects work."""


class ProjectMutation:
    """Filled in by the projects work."""
