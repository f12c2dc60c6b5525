"""Errors of pairing, visits, posts and recognition."""
