"""Vigil benchmarks: a synthetic export, imported and listed through the real code paths.

Run them with `make bench` (or `python -m benchmarks.run --help` for the options).
"""
