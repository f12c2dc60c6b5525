"""Pairing and responsibility areas (结对帮扶、包保): areas, households, pairings, visits,
member posts, recognition campaigns."""
