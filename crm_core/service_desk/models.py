"""Tables of service_desk (filled in by the service_desk work)."""

from __future__ import annotations
