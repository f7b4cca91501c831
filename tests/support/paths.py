"""Where the tests find the repository, the recorded fixtures and the member files."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
"""The tests folder."""
ROOT = TESTS.parent
"""The repository's root."""
AMI_FIXTURES = TESTS / "fixtures" / "ami"
"""Recorded AMI streams (``ctidesk ami record``) the model tests replay."""
MEMBER_FIXTURES = TESTS / "fixtures" / "members"
"""Member CSV files for the import tests."""

__all__ = ["AMI_FIXTURES", "MEMBER_FIXTURES", "ROOT", "TESTS"]
