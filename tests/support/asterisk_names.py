"""Systemnames the multi-node tests give their Asterisks."""

NAMED_SYSTEM = "pbx2"
"""The session's Asterisk renamed for a module of several-node tests (``named_asterisk``)."""

__all__ = ["NAMED_SYSTEM"]
