"""Tables of knowledge (filled in by the knowledge work)."""

from __future__ import annotations
