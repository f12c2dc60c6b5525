"""People and systems that sign in: users, sessions, partner API keys, role grants."""
