"""Notifications: the in-app inbox, deliveries per channel, preferences."""
