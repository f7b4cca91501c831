"""Settings of the telephony side: AMI, FastAGI, the API, phone numbers, the dialplan's
contexts and service levels, recordings, queue limits, the wall-board's thresholds and
the toll-fraud guard on outside numbers."""

from __future__ import annotations

from typing import Annotated, Literal

import phonenumbers
from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from cti.model import DEFAULT_SERVICE_LEVEL_SECONDS
from cti.settings.base import (
    _Section,
)


class AmiSettings(_Section):
    """The Asterisk Manager Interface connection."""

    host: str = Field("127.0.0.1", min_length=1, description="AMI host.")
    port: int = Field(5038, ge=1, le=65535, description="AMI TCP port.")
    username: str = Field("ctidesk", min_length=1, description="AMI user from manager.conf.")
    secret: SecretStr | None = Field(
        None, description="AMI password; environment or secrets file only."
    )
    connect_timeout: float = Field(5.0, gt=0, description="Seconds allowed to connect and log in.")
    ping_interval: float = Field(10.0, gt=0, description="Seconds between keep-alive pings.")


class AgiSettings(_Section):
    """The FastAGI server the IVR flows run on."""

    host: str = Field("127.0.0.1", min_length=1, description="FastAGI listen address.")
    port: int = Field(4573, ge=0, le=65535, description="FastAGI TCP port (0: any free one).")
    secret: SecretStr | None = Field(
        None,
        description="FastAGI shared secret (Asterisk holds it in ctidesk_agi.conf); "
        "environment or secrets file only; `ctidesk serve` refuses to start without it.",
    )
    max_sessions: int = Field(
        100, ge=1, description="FastAGI sessions at once; more are refused (the line queues)."
    )


class ApiSettings(_Section):
    """The REST + WebSocket API."""

    host: str = Field("127.0.0.1", min_length=1, description="API listen address.")
    port: int = Field(8280, ge=0, le=65535, description="API TCP port (0: any free one).")
    token_ttl_hours: int = Field(
        12, ge=1, le=168, description="Lifetime of an API token, hours (at most a week)."
    )


class PhoneSettings(_Section):
    """Phone number handling."""

    default_region: str = Field("CN", description="ISO region for normalising numbers to E.164.")
    inbound_media: dict[str, str] = Field(
        default_factory=dict, description="Dialled number (DID) → advertising medium name."
    )
    dial_caller_id: str = Field(
        "", max_length=80, description="Caller ID of calls agents place (click-to-dial)."
    )

    @field_validator("dial_caller_id")
    @classmethod
    def _printable_caller_id(cls, value: str) -> str:
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("control characters are not allowed in a caller ID")
        return value

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {region!r}; use an ISO code such as 'CN'")
        return region.upper()

    @field_validator("inbound_media")
    @classmethod
    def _dids_are_numbers(cls, media: dict[str, str]) -> dict[str, str]:
        for did in media:
            if not did.removeprefix("+").isdigit():
                raise ValueError(f"DID {did!r} must be digits, optionally after '+'")
        return media


MAX_SERVICE_LEVEL_SECONDS = 3600


ServiceLevelSeconds = Annotated[int, Field(strict=True, ge=1, le=MAX_SERVICE_LEVEL_SECONDS)]
"""A service-level threshold: whole seconds, 1 to an hour (TOML integers only)."""


class TelephonySettings(_Section):
    """How the service reads the dialplan and paces agents."""

    inbound_contexts: tuple[str, ...] = Field(
        ("from-trunk",),
        min_length=1,
        description="Dialplan contexts where outside calls arrive (first extension = DID).",
    )
    default_wrapup_seconds: float = Field(
        0.0, ge=0, le=3600, description="Wrap-up after a call in a queue not listed, seconds."
    )
    wrapup_seconds: dict[str, float] = Field(
        default_factory=dict, description="Queue name → wrap-up seconds after each of its calls."
    )
    service_level_seconds: int = Field(
        DEFAULT_SERVICE_LEVEL_SECONDS,
        ge=1,
        le=MAX_SERVICE_LEVEL_SECONDS,
        description="Service-level threshold, seconds, of queues Asterisk reports none for.",
    )
    service_level: dict[str, ServiceLevelSeconds] = Field(
        default_factory=dict,
        description="Queue name → service-level threshold, seconds; wins over Asterisk's.",
    )

    @field_validator("inbound_contexts")
    @classmethod
    def _context_names(cls, contexts: tuple[str, ...]) -> tuple[str, ...]:
        for context in contexts:
            if not context or any(c.isspace() or c in ",;[]" for c in context):
                raise ValueError(f"context {context!r} is not a dialplan context name")
        return contexts

    @field_validator("wrapup_seconds")
    @classmethod
    def _wrapup_range(cls, seconds: dict[str, float]) -> dict[str, float]:
        for queue, value in seconds.items():
            if not 0 <= value <= 3600:
                raise ValueError(f"wrap-up of queue {queue!r} must be 0 to 3600 seconds")
        return seconds

    @field_validator("service_level_seconds", mode="before")
    @classmethod
    def _not_a_flag(cls, seconds: object) -> object:
        if isinstance(seconds, bool):
            raise ValueError("must be a whole number of seconds, not true or false")
        return seconds


RecordingPolicyName = Literal["all", "on_demand", "none"]


class RecordingsSettings(_Section):
    """Call recording: where Asterisk writes the files and which calls are recorded."""

    directory: str = Field(
        "/var/spool/asterisk/monitor/ctidesk",
        min_length=1,
        description="Directory of the recording files, as this service reads them.",
    )
    asterisk_directory: str = Field(
        "", description="The same directory as Asterisk sees it (empty: the same path)."
    )
    default_policy: RecordingPolicyName = Field(
        "on_demand", description="Policy of calls with no queue or campaign policy."
    )
    queues: dict[str, RecordingPolicyName] = Field(
        default_factory=dict, description="Queue name → all, on_demand or none."
    )
    campaigns: dict[str, RecordingPolicyName] = Field(
        default_factory=dict, description="Campaign name → all, on_demand or none."
    )
    retention_days: int = Field(
        0, ge=0, le=36_500,
        description="A worker node (several nodes) purges recordings older than this many "
        "days; 0: none. One machine purges with `ctidesk recordings purge` (by hand, cron).",
    )  # fmt: skip

    @field_validator("directory", "asterisk_directory")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if value and not value.startswith("/"):
            raise ValueError("must be an absolute path")
        return value


class QueueLimitSettings(_Section):
    """One queue's wall-board limits (what it leaves out is the default's)."""

    service_level_target: float | None = Field(
        None, gt=0, le=1, description="Service level the queue should reach (0-1)."
    )
    longest_wait_seconds: int | None = Field(
        None, ge=1, le=3600, description="Longest wait marked LONG above this, seconds."
    )
    agent_state_seconds: int | None = Field(
        None, ge=1, le=86_400, description="Agent in one state marked LONG above this, seconds."
    )


class WallboardSettings(_Section):
    """The wall-board's thresholds: figures past them are marked (colour and a word)."""

    service_level_target: float = Field(
        0.8, gt=0, le=1, description="Service level a queue should reach (0-1); under: LOW."
    )
    longest_wait_seconds: int = Field(
        60, ge=1, le=3600, description="A longest wait over this many seconds is marked LONG."
    )
    agent_state_seconds: int = Field(
        900, ge=1, le=86_400, description="An agent in one state longer than this: LONG."
    )
    queues: dict[str, QueueLimitSettings] = Field(
        default_factory=dict, description="Per-queue limits, by queue name."
    )


_DIAL_PREFIX = r"^(\+[0-9]{0,8}|[0-9]{1,8})$"


DialPrefix = Annotated[str, Field(pattern=_DIAL_PREFIX)]


RoleName = Literal["agent", "supervisor", "admin"]


def _privileged_roles() -> list[RoleName]:
    return ["supervisor", "admin"]


class OutsideCallSettings(_Section):
    """The toll-fraud guard: which outside numbers users may call (click-to-dial,
    transfers and conferences to a number), and how often."""

    allowed_prefixes: list[DialPrefix] = Field(
        default_factory=list,
        description="Prefixes an outside number must start with (empty: any prefix).",
    )
    min_digits: int = Field(3, ge=1, le=32, description="Fewest digits of an outside number.")
    max_digits: int = Field(15, ge=1, le=32, description="Most digits of an outside number.")
    international_prefixes: list[DialPrefix] = Field(
        default_factory=lambda: ["00", "+"],
        description="Prefixes of international numbers, refused unless the role may call them.",
    )
    international_roles: list[RoleName] = Field(
        default_factory=_privileged_roles,
        description="Roles that may call international numbers.",
    )
    premium_prefixes: list[DialPrefix] = Field(
        default_factory=lambda: ["900", "0900", "1900"],
        description="Prefixes of premium-rate numbers, refused unless the role may call them.",
    )
    premium_roles: list[RoleName] = Field(
        default_factory=list, description="Roles that may call premium-rate numbers."
    )
    calls_per_minute: int = Field(
        10, ge=1, description="Outside calls one user may place in any 60 seconds."
    )

    @model_validator(mode="after")
    def _lengths_in_order(self) -> OutsideCallSettings:
        if self.min_digits > self.max_digits:
            raise ValueError("min_digits must not be more than max_digits")
        return self


__all__ = [
    "MAX_SERVICE_LEVEL_SECONDS",
    "AgiSettings",
    "AmiSettings",
    "ApiSettings",
    "DialPrefix",
    "OutsideCallSettings",
    "PhoneSettings",
    "QueueLimitSettings",
    "RecordingPolicyName",
    "RecordingsSettings",
    "RoleName",
    "ServiceLevelSeconds",
    "TelephonySettings",
    "WallboardSettings",
]
