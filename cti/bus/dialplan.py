"""The names our dialplan (config/asterisk/extensions.conf) gives its contexts and variables.

Actions that send a channel somewhere name these; keeping them in one place keeps the
service and the dialplan templates in step.
"""

from __future__ import annotations

OUTBOUND_CONTEXT = "ctidesk-outbound"
"""Click-to-dial: the agent's phone answered, now dial the number (``Exten``)."""
DIAL_CONTEXT = "ctidesk-dial"
"""Dial whatever ``CTIDESK_TARGET`` names (transfers to a number or an agent, intercept)."""
QUEUE_CONTEXT = "ctidesk-queue"
"""Send the channel into the queue named by its extension (transfer to a queue)."""
HOLD_CONTEXT = "ctidesk-hold"
"""``held`` plays music on hold to the far end; ``wait`` keeps the agent's leg in silence."""
CONFERENCE_CONTEXT = "conferences"
"""ConfBridge rooms by number."""
SPY_CONTEXT = "ctidesk-spy"
"""ChanSpy on ``CTIDESK_SPY`` with ``CTIDESK_SPY_OPTIONS`` (listen, whisper, barge)."""
TARGET_VARIABLE = "CTIDESK_TARGET"
"""The dial string ``DIAL_CONTEXT`` dials."""
SURVEY_OPT_IN = "CTIDESK_SURVEY"
"""Channel variable the IVR's survey flow reads: ``yes`` when the agent opted the caller in."""

__all__ = [
    "CONFERENCE_CONTEXT",
    "DIAL_CONTEXT",
    "HOLD_CONTEXT",
    "OUTBOUND_CONTEXT",
    "QUEUE_CONTEXT",
    "SPY_CONTEXT",
    "SURVEY_OPT_IN",
    "TARGET_VARIABLE",
]
