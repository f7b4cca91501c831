"""The service desk's vocabularies: request types, channels, plan kinds, task statuses."""

from __future__ import annotations

import enum


class RequestType(enum.StrEnum):
    """What a service request is about."""

    REPAIR = "repair"
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    EXCHANGE = "exchange"


class RequestChannel(enum.StrEnum):
    """How a request reached us (``plan``: opened from an active service plan's task)."""

    PHONE = "phone"
    IVR = "ivr"
    EMAIL = "email"
    WEB = "web"
    WALK_IN = "walk_in"
    SMS = "sms"
    PLAN = "plan"


class PlanKind(enum.StrEnum):
    """Which query an active service plan generates its tasks from."""

    BIRTHDAY_CARE = "birthday_care"
    WARRANTY_EXPIRY = "warranty_expiry"
    CUSTOM = "custom"


class TaskStatus(enum.StrEnum):
    """Life of a generated plan task."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
