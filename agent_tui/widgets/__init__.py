"""Widgets of the console, one per screen region."""
