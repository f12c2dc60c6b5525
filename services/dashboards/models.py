"""Dashboard aggregates per node and period, kept by the workers."""
