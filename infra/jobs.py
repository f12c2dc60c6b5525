"""The workers' own tables: relay cursors, scheduled runs, dead-lettered messages (filled
by the relay's helper)."""
