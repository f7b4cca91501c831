"""Errors of the campaign services; nothing in the database changed when one is raised."""

from __future__ import annotations

from crm_core.errors import ConflictError, InvalidInputError, NotFoundError


class CampaignNotFoundError(NotFoundError):
    """No campaign (or lead, attempt, call-back) with that id or name."""

    error_id = "campaign-not-found"


class InvalidCampaignError(InvalidInputError):
    """A campaign definition that breaks a rule; ``details["field"]`` names the field.

    A 400 like a malformed body: a definition is checked whole before anything is stored.
    """

    status = 400
    error_id = "invalid-campaign"


class DuplicateCampaignError(ConflictError):
    """A campaign name that is already taken."""

    error_id = "duplicate-campaign"


class CampaignStateError(ConflictError):
    """An action the campaign's status does not allow (resume a stopped campaign…)."""

    error_id = "campaign-state"


class LeadListError(InvalidInputError):
    """A list that cannot be imported (undecodable file, no phone column, 0 valid rows)."""

    status = 400
    error_id = "invalid-lead-list"


class StaleLeaseError(ConflictError):
    """The dialer's lease epoch is not the current one (another process took over), or
    its lease has lapsed: it must not dial."""

    error_id = "stale-lease"
