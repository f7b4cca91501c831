"""Wiring of the CRM routes: every route the console uses on a member's record."""

from __future__ import annotations

from cti.bus.wiring import Wiring
from cti.crm.approvals import APPROVAL_ROUTES
from cti.crm.dispositions import DISPOSITION_ROUTES
from cti.crm.knowledge import KNOWLEDGE_ROUTES
from cti.crm.members import MEMBER_ROUTES
from cti.crm.notes import NOTE_ROUTES
from cti.crm.points import POINTS_ROUTES
from cti.crm.service_desk import SERVICE_REQUEST_ROUTES
from cti.crm.surveys import SURVEY_ROUTES
from cti.http.routes import Route

ROUTES: tuple[Route, ...] = (
    *MEMBER_ROUTES,
    *POINTS_ROUTES,
    *APPROVAL_ROUTES,
    *NOTE_ROUTES,
    *SERVICE_REQUEST_ROUTES,
    *KNOWLEDGE_ROUTES,
    *SURVEY_ROUTES,
    *DISPOSITION_ROUTES,
)
"""The CRM routes; they need only the CRM, so every API (with or without telephony) has them."""


def load(wiring: Wiring) -> None:
    """Serve the CRM routes."""
    wiring.add_routes(ROUTES)


__all__ = ["ROUTES", "load"]
