"""Micro-wishes (微心愿): posted for a resident, claimed by a member, fulfilled, confirmed."""
