"""Vigil: documentation and case system for human-rights defenders."""

__version__ = "0.1.0"
