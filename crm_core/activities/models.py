"""Tables of activities (filled in by the activities work)."""

from __future__ import annotations
