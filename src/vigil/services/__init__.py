"""Vigil's use cases: the rules for recording, querying, sealing and moving records."""
