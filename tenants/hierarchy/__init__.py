"""The county → township → community → compound (→ building, grid) hierarchy."""
