"""Tables of surveys (filled in by the surveys work)."""

from __future__ import annotations
