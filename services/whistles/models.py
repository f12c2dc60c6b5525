"""Whistle calls (吹哨报到): blown for a subtree, answered by registered units and members."""
