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
RECORD_CONTEXT = "ctidesk-record"
"""A recorder (``Local/s@`` here): MixMonitor into ``RECORD_FILE_VARIABLE`` and ChanSpy on
``RECORD_LEG_VARIABLE``; its other half waits at ``RECORD_HOLD_EXTEN``."""
RECORD_HOLD_EXTEN = "hold"
"""Where the recorder's first half waits while the second records."""
RECORD_LEG_VARIABLE = "CTIDESK_RECORD_LEG"
"""The channel name of the leg a recorder listens to."""
RECORD_FILE_VARIABLE = "CTIDESK_RECORD_FILE"
"""The file (as Asterisk sees it) a recorder writes."""
TARGET_VARIABLE = "CTIDESK_TARGET"
"""The dial string ``DIAL_CONTEXT`` dials."""
SURVEY_OPT_IN = "CTIDESK_SURVEY"
"""Channel variable the IVR's survey flow reads: ``yes`` when the agent opted the caller in."""


# -- the outbound dialer (config/asterisk/extensions.conf, "ctidesk outbound dialer") --
DIALER_CONTEXT = "ctidesk-dialer"
"""Originate an answered callee here (Exten ``s``): the 2-s clock starts at answer; when it
fires the ``T`` extension plays the identification message and ends the call."""
DIALER_AMD_CONTEXT = "ctidesk-dialer-amd"
"""Like `DIALER_CONTEXT` with answering-machine detection first: the clock starts at the
HUMAN (or NOTSURE) verdict; MACHINE leaves `MACHINE_MESSAGE_VARIABLE` or hangs up."""
DIALER_CONNECT_CONTEXT = "ctidesk-dialer-connect"
"""Redirect an answered callee here to connect it; the first step clears the 2-s clock.
Exten ``AGENT_ROOM_PREFIX + login`` joins the agent's room, `CONNECT_DIAL_EXTEN` dials
`TARGET_VARIABLE` within what is left of the 2 s."""
DIALER_AGENT_CONTEXT = "ctidesk-dialer-agent"
"""Originate an agent's phone here (Exten ``AGENT_ROOM_PREFIX + login``): the agent's
open channel, sitting in their own conference room between calls."""
DIALER_IVR_CONTEXT = "ctidesk-dialer-ivr"
"""Originate an IVR message campaign's callee here (Exten ``s``): the message, a key."""
DIALER_START_EXTEN = "s"
"""The extension an originated callee starts at in the dialer's contexts."""
DIALER_TIMEOUT_EXTEN = "T"
"""The extension the 2-s clock jumps to: the identification message (an abandon)."""
AGENT_ROOM_PREFIX = "agent-"
"""An agent's room (and extension in the agent and connect contexts) is this + login."""
CONNECT_DIAL_EXTEN = "dial"
"""The connect context's extension that dials `TARGET_VARIABLE` (an agent's phone)."""
CONNECT_WITHIN_SECONDS = 2
"""The dialplan's deadline from a person answering to an agent (the regulation's 2 s)."""
ABANDON_MESSAGE_VARIABLE = "CTIDESK_ABANDON_MESSAGE"
"""Sound files (``&`` between) of the identification message; global default, a channel
variable set at Originate overrides it per campaign."""
CALLBACK_NUMBER_VARIABLE = "CTIDESK_CALLBACK_NUMBER"
"""Digits said after the identification message ("to call this number"); empty: none."""
AMD_PARAMS_VARIABLE = "CTIDESK_AMD_PARAMS"
"""AMD()'s own argument list (comma-separated integers, milliseconds); empty: amd.conf."""
MACHINE_MESSAGE_VARIABLE = "CTIDESK_MACHINE_MESSAGE"
"""Sound files left on an answering machine after its greeting; empty: hang up at once."""
IVR_MESSAGE_VARIABLE = "CTIDESK_IVR_MESSAGE"
"""Sound files an IVR message campaign plays to the callee."""
IVR_AGENT_KEY_VARIABLE = "CTIDESK_IVR_AGENT_KEY"
"""The key that sends an IVR campaign's callee to an agent (global default ``1``)."""
IVR_QUEUE_VARIABLE = "CTIDESK_IVR_QUEUE"
"""The queue that key sends the callee into (global default ``hotline``)."""
IVR_KEY_WAIT_VARIABLE = "CTIDESK_IVR_KEY_WAIT"
"""Seconds the callee has to press a key once the message has ended (default 3)."""
IVR_SURVEY_VARIABLE = "CTIDESK_IVR_SURVEY"
"""``yes``: after the message (and no key for an agent) the callee is put through the
campaign's keypad survey (FastAGI route `IVR_SURVEY_ROUTE`); empty: the call ends."""
IVR_SURVEY_ROUTE = "campaign-survey"
"""The FastAGI route of an IVR campaign's keypad survey (ivr/flows/campaign_survey.py)."""
AMD_STATUS_VARIABLE = "AMDSTATUS"
"""app_amd's verdict on the channel (``HUMAN``, ``MACHINE``, ``NOTSURE``, ``HANGUP``)."""
DIALER_USER_EVENT = "CtideskDialer"
"""The ``UserEvent`` name of the dialer's dialplan; its ``Step`` field is one of these:"""
STEP_ANSWERED = "answered"
"""The 2-s clock started (a person answered, or AMD said HUMAN/NOTSURE)."""
STEP_AMD = "amd"
"""The AMD verdict, with ``Status`` (AMDSTATUS) and ``Cause`` (AMDCAUSE)."""
STEP_ABANDONED = "abandoned"
"""Nobody connected within 2 s: the identification message starts; the call is abandoned."""
STEP_CONNECTING = "connecting"
"""The callee entered the connect context (``Room`` or ``Target``): the clock is cleared."""
STEP_MACHINE_MESSAGE = "machine-message"
"""The campaign's message was left on an answering machine."""
STEP_IVR_PLAYED = "ivr-played"
"""An IVR campaign's callee heard the message to the end."""
STEP_IVR_KEY = "ivr-key"
"""An IVR campaign's callee pressed ``Key``."""

# -- preview dialling (config/asterisk/extensions.conf, "ctidesk preview dialling") ----
PREVIEW_CONTEXT = "ctidesk-preview"
"""Originate the agent's phone here (Exten: the callee's digits): once the agent answers,
Dial rings `TARGET_VARIABLE` for `PREVIEW_RING_VARIABLE` seconds; the callee's channel
announces itself with `STEP_PREVIEW_CALLEE` and `ATTEMPT_VARIABLE`'s value."""
PREVIEW_CALLEE_CONTEXT = "ctidesk-preview-callee"
"""Dial's pre-dial handler on the callee's channel (its ``UserEvent``)."""
ATTEMPT_VARIABLE = "CTIDESK_ATTEMPT"
"""The preview call's attempt id, set on the agent's leg at Originate."""
PREVIEW_RING_VARIABLE = "CTIDESK_RING"
"""Seconds a preview call's callee may ring."""
STEP_PREVIEW_CALLEE = "preview-callee"
"""The callee's channel of a preview call, with ``Attempt`` (its Uniqueid is the callee's)."""
PREVIEW_AGENT_SUFFIX = "-agent"
"""A preview call's agent leg has ChannelId = the attempt id + this."""

# -- the sandbox's loopback carrier (config/asterisk/pjsip.conf) -----------------------
LOOPBACK_CARRIER = "loopback-carrier"
"""The sandbox's test trunk: dial ``PJSIP/<number>@loopback-carrier``; the call comes back
into the same Asterisk, where the number's last digit picks the callee's behaviour."""
CALLEE_PERSON = "0"
"""Last digit: answers, says "hello world", stays on the line (AMD: HUMAN)."""
CALLEE_MACHINE = "1"
"""Last digit: answers with a 5.5-s recorded greeting and a beep (AMD: MACHINE)."""
CALLEE_BUSY = "2"
"""Last digit: busy (SIP 486, Hangup cause 17)."""
CALLEE_CONGESTION = "3"
"""Last digit: congestion (SIP 503, cause 34)."""
CALLEE_UNALLOCATED = "4"
"""Last digit: unallocated number (SIP 404, cause 1)."""
CALLEE_REJECTED = "5"
"""Last digit: rejected (SIP 603, cause 21)."""
CALLEE_NO_ANSWER = "6"
"""Last digit: rings until the Originate's timeout (cause 19)."""
CALLEE_PERSON_AFTER_RINGING = "7"
"""Last digit: rings 3 s, then answers as `CALLEE_PERSON`."""
CALLEE_SILENT = "8"
"""Last digit: answers and says nothing (AMD: MACHINE, as the facts note measured)."""
CALLEE_PRESSES_1 = "9"
"""Last digit: answers, presses 1 after 2 s (asks an IVR campaign for an agent), stays."""

__all__ = [
    "ABANDON_MESSAGE_VARIABLE",
    "AGENT_ROOM_PREFIX",
    "AMD_PARAMS_VARIABLE",
    "AMD_STATUS_VARIABLE",
    "ATTEMPT_VARIABLE",
    "CALLBACK_NUMBER_VARIABLE",
    "CALLEE_BUSY",
    "CALLEE_CONGESTION",
    "CALLEE_MACHINE",
    "CALLEE_NO_ANSWER",
    "CALLEE_PERSON",
    "CALLEE_PERSON_AFTER_RINGING",
    "CALLEE_PRESSES_1",
    "CALLEE_REJECTED",
    "CALLEE_SILENT",
    "CALLEE_UNALLOCATED",
    "CONFERENCE_CONTEXT",
    "CONNECT_DIAL_EXTEN",
    "CONNECT_WITHIN_SECONDS",
    "DIALER_AGENT_CONTEXT",
    "DIALER_AMD_CONTEXT",
    "DIALER_CONNECT_CONTEXT",
    "DIALER_CONTEXT",
    "DIALER_IVR_CONTEXT",
    "DIALER_START_EXTEN",
    "DIALER_TIMEOUT_EXTEN",
    "DIALER_USER_EVENT",
    "DIAL_CONTEXT",
    "HOLD_CONTEXT",
    "IVR_AGENT_KEY_VARIABLE",
    "IVR_KEY_WAIT_VARIABLE",
    "IVR_MESSAGE_VARIABLE",
    "IVR_QUEUE_VARIABLE",
    "IVR_SURVEY_ROUTE",
    "IVR_SURVEY_VARIABLE",
    "LOOPBACK_CARRIER",
    "MACHINE_MESSAGE_VARIABLE",
    "OUTBOUND_CONTEXT",
    "PREVIEW_AGENT_SUFFIX",
    "PREVIEW_CALLEE_CONTEXT",
    "PREVIEW_CONTEXT",
    "PREVIEW_RING_VARIABLE",
    "QUEUE_CONTEXT",
    "RECORD_CONTEXT",
    "RECORD_FILE_VARIABLE",
    "RECORD_HOLD_EXTEN",
    "RECORD_LEG_VARIABLE",
    "SPY_CONTEXT",
    "STEP_ABANDONED",
    "STEP_AMD",
    "STEP_ANSWERED",
    "STEP_CONNECTING",
    "STEP_IVR_KEY",
    "STEP_IVR_PLAYED",
    "STEP_MACHINE_MESSAGE",
    "STEP_PREVIEW_CALLEE",
    "SURVEY_OPT_IN",
    "TARGET_VARIABLE",
]
