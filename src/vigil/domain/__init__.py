"""Vigil's records and rules, in the standard library only."""
