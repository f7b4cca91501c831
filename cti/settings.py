"""Typed settings of the service: the schema with defaults, and the layered loader.

Layers, lowest first: defaults in code, ``config/ctidesk.toml``, the ``--config`` file,
the secrets file, then ``CTIDESK_<SECTION>_<KEY>`` environment variables.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
import typing
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from crm_core.loyalty.limits import OperationLimit, PointsLimits
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.throttle import Limit, ThrottlePolicy
from cti.model import DEFAULT_SERVICE_LEVEL_SECONDS
from ivr.hours import DAYS, parse_span

ENV_PREFIX = "CTIDESK_"
CONFIG_ENV = "CTIDESK_CONFIG"
#: CTIDESK_ variables that are not settings: the sandbox trees (the tests' second one too)
#: and their Debian mirror, and the console's password.
NOT_SETTINGS = frozenset(
    {CONFIG_ENV, "CTIDESK_SANDBOX_DIR", "CTIDESK_SANDBOX_DIR_2", "CTIDESK_SANDBOX_MIRROR",
     "CTIDESK_CONSOLE_PASSWORD"}
)  # fmt: skip
DEFAULT_SOURCE = "default"
SECRET_KEYS = frozenset(
    {"ami.secret", "agi.secret", "database.password", "stats.metrics_token",
     "stats.queue_log_table_password"}
)  # fmt: skip
MASK = "********"
URL_PASSWORD = re.compile(r"^([\w+.-]+://[^:/@]*:)(.*)(@[^@]*)$")
"""A URL's ``scheme://user:`` (1), password (2) and ``@host…`` (3)."""
URL_USER = re.compile(r"^([\w+.-]+://[^:/@]+)(@[^@]*)$")
"""A URL naming a user without a password: ``scheme://user`` (1) and ``@host…`` (2)."""


class SettingsError(Exception):
    """Settings could not be loaded; the message has one line per problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    """The CRM database."""

    url: str = Field(
        "sqlite+aiosqlite:///var/ctidesk.db",
        min_length=1,
        description="SQLAlchemy async URL (sqlite+aiosqlite or postgresql+asyncpg).",
    )
    echo: bool = Field(False, description="Log every SQL statement.")
    password: SecretStr | None = Field(
        None, description="Database password, put into url; environment or secrets file only."
    )

    @model_validator(mode="after")
    def _one_password(self) -> DatabaseSettings:
        if self.password is None:
            return self
        if URL_PASSWORD.match(self.url):
            raise ValueError("give the database password in url or in password, not both")
        if not URL_USER.match(self.url):
            raise ValueError("a password needs a url naming a user: scheme://user@host/db")
        return self

    def connect_url(self) -> str:
        """The URL to connect with: ``url`` with ``password`` put in (percent-encoded)."""
        if self.password is None:
            return self.url
        secret = quote(self.password.get_secret_value(), safe="")
        return URL_USER.sub(rf"\g<1>:{secret}\g<2>", self.url)


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


class LoyaltySettings(_Section):
    """Loyalty points rules."""

    points_validity_days: int = Field(730, ge=1, description="Days a points grant stays valid.")
    expiring_soon_days: int = Field(30, ge=0, description="Window for 'points expiring soon'.")


class PointsSettings(_Section):
    """What an agent may do alone with points; above it a supervisor approves."""

    agent_max_grant: int = Field(1_000, ge=0, description="Points an agent may give at once.")
    agent_daily_grant: int = Field(5_000, ge=0, description="Points an agent may give a day.")
    agent_max_adjust: int = Field(1_000, ge=0, description="Size of one agent adjustment.")
    agent_daily_adjust: int = Field(5_000, ge=0, description="Adjustments an agent may make a day.")
    agent_max_redeem: int = Field(5_000, ge=0, description="Points an agent may redeem at once.")
    agent_daily_redeem: int = Field(20_000, ge=0, description="Points an agent may redeem a day.")

    def limits(self) -> PointsLimits:
        """The limits as the CRM applies them."""
        return PointsLimits(
            grant=OperationLimit(self.agent_max_grant, self.agent_daily_grant),
            adjust=OperationLimit(self.agent_max_adjust, self.agent_daily_adjust),
            redeem=OperationLimit(self.agent_max_redeem, self.agent_daily_redeem),
        )


SurveyPolicy = Literal["always", "opt-in", "never"]


class IvrSettings(_Section):
    """The IVR flows: PIN lock-out, hours and holidays, menu, survey policy, prompts."""

    max_pin_attempts: int = Field(
        3, ge=1, le=10, description="Wrong PINs in a row that lock the self-service."
    )
    lockout_minutes: int = Field(
        30, ge=1, description="Minutes a number and a member stay locked out."
    )
    timezone: str = Field("Asia/Shanghai", description="Time zone of the opening hours.")
    hours: dict[str, str] = Field(
        default_factory=dict,
        description='Weekday → "HH:MM-HH:MM" opening span; a missing day is closed; empty = 24/7.',
    )
    holidays: list[str] = Field(
        default_factory=list, description="Dates (YYYY-MM-DD) the centre is closed all day."
    )
    menu: dict[str, str] = Field(
        default_factory=dict, description="Keypad digit → queue of the inbound menu."
    )
    default_queue: str = Field(
        "hotline", min_length=1, description="Queue when the caller picks nothing."
    )
    survey: dict[str, SurveyPolicy] = Field(
        default_factory=dict, description="Queue → post-call survey policy."
    )
    survey_default: SurveyPolicy = Field(
        "opt-in", description="Survey policy of queues not listed in `survey`."
    )
    voicemail_box: str = Field(
        "1000@ctidesk", pattern=r"^[0-9]+@[A-Za-z0-9_-]+$", description="After-hours mailbox."
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Languages whose sound files are installed; the first is the fallback.",
    )
    keypad_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds a keypad read waits for the caller."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
        return zone

    @field_validator("hours")
    @classmethod
    def _spans(cls, hours: dict[str, str]) -> dict[str, str]:
        for day, span in hours.items():
            if day not in DAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(DAYS)}")
            parse_span(span)
        return hours

    @field_validator("holidays")
    @classmethod
    def _dates(cls, holidays: list[str]) -> list[str]:
        for text in holidays:
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"holiday {text!r} is not a date like 2026-10-01") from None
        return holidays

    @field_validator("menu")
    @classmethod
    def _keys(cls, menu: dict[str, str]) -> dict[str, str]:
        for key in menu:
            if len(key) != 1 or not key.isdigit():
                raise ValueError(f"menu key {key!r} must be one digit")
        return menu


class DialerSettings(_Section):
    """The outbound dialer: how callees are reached, lines, leases."""

    trunk: str = Field(
        "PJSIP/{number}@loopback-carrier",
        min_length=1,
        description="Callee channel; {number} is the E.164 number without '+'.",
    )
    ring_seconds: int = Field(
        25, ge=15, le=120, description="Seconds an unanswered callee rings (at least 15)."
    )
    lines_per_agent: int = Field(3, ge=1, le=10, description="Calls in flight per agent, at most.")
    max_lines: int = Field(60, ge=1, description="Calls in flight per campaign, at most.")
    lease_seconds: float = Field(
        15.0, ge=3, le=300, description="Life of a campaign's dialer lease (renewed at a third)."
    )
    tick_seconds: float = Field(
        1.0, gt=0, le=10, description="Seconds between a dialer's looks when nothing wakes it."
    )

    @field_validator("trunk")
    @classmethod
    def _has_number(cls, trunk: str) -> str:
        if "{number}" not in trunk or any(c in trunk for c in "\r\n"):
            raise ValueError("trunk must contain {number} and no line break")
        return trunk


class StatsSettings(_Section):
    """Statistics: the queue_log the service reads as Asterisk writes it (docs/statistics.md)."""

    queue_log: str = Field(
        "", description="Path of Asterisk's queue_log file, read continuously; empty: not read."
    )
    server: str = Field(
        "asterisk",
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="The name of the Asterisk server the lines are stored under.",
    )
    poll_seconds: float = Field(1.0, ge=0.1, le=60, description="Seconds between reads.")
    metrics_token: SecretStr | None = Field(
        None,
        min_length=24,
        description="Bearer token Prometheus sends to read /metrics (24 characters or more); "
        "environment or secrets file only; unset: /metrics is not served.",
    )
    queue_log_table_url: str = Field(
        "", pattern=r"^(postgres(ql)?://.+)?$",
        description="PostgreSQL URL (postgresql://user@host:port/db, no password) of the "
        "table Asterisk writes queue_log to (queue_log => pgsql), read instead of a file.",
    )  # fmt: skip
    queue_log_table_password: SecretStr | None = Field(
        None, description="Password of queue_log_table_url; environment or secrets file only."
    )
    queue_log_table: str = Field(
        "queue_log", pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$",
        description="The table (or schema.table) Asterisk writes queue_log rows to.",
    )  # fmt: skip
    queue_log_table_timezone: str = Field(
        "UTC", description="Zone of the table's times: UTC with logger.conf "
        "queue_log_realtime_use_gmt = yes, else the Asterisk server's local zone.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _file_or_table(self) -> StatsSettings:
        if self.queue_log and self.queue_log_table_url:
            raise ValueError("queue_log and queue_log_table_url: read the file or the table")
        if URL_PASSWORD.match(self.queue_log_table_url) or "password=" in self.queue_log_table_url:
            raise ValueError("queue_log_table_url: no password in it (queue_log_table_password)")
        IvrSettings._known_zone(self.queue_log_table_timezone)
        return self


NodeRole = Literal["edge", "gateway", "worker"]
NODE_ROLES: tuple[NodeRole, ...] = ("edge", "gateway", "worker")


class NodeSettings(_Section):
    """This process as one node of several (docs/scale-out.md); a single node runs all roles."""

    name: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description="The node's name on the bus and in leases; empty: the host name.",
    )
    roles: Literal["all"] | tuple[NodeRole, ...] = Field(
        "all",
        description='"all", or some of edge, gateway, worker (several need [nats] url).',
    )
    lease_seconds: float = Field(
        9.0, ge=1, le=300, description="Life of the node's leases; renewed at a third of it."
    )
    heartbeat_seconds: float = Field(
        2.0, gt=0, le=60, description="Seconds between the node's heartbeats on the bus."
    )
    sla_scan_seconds: float = Field(
        60.0, gt=0, le=3600,
        description="A worker's SLA scan: seconds between notes of missed service deadlines.",
    )  # fmt: skip
    retention_purge_seconds: float = Field(
        3600.0, gt=0, le=86_400,
        description="A worker's recordings purge (with [recordings] retention_days): seconds "
        "between purges.",
    )  # fmt: skip

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_listed(cls, value: object) -> object:
        if isinstance(value, str) and value != "all":
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError('give "all" or at least one of edge, gateway, worker')
            if len(set(value)) != len(value):
                raise ValueError("a role is listed twice")
            unknown = [role for role in value if role not in NODE_ROLES]
            if unknown:
                raise ValueError(f"unknown role {unknown[0]!r}: give some of edge, gateway, worker")
            return tuple(value)
        return value

    def role_set(self) -> frozenset[NodeRole]:
        """The roles this node runs ("all": every one)."""
        return frozenset(NODE_ROLES if self.roles == "all" else self.roles)


class NatsSettings(_Section):
    """The NATS bus between nodes; no URL means one node alone, without a bus."""

    url: str = Field(
        "",
        pattern=r"^((nats|tls)://[^\s,]+(,(nats|tls)://[^\s,]+)*)?$",
        description="nats:// or tls://host:port (comma-separated for a cluster); empty: none.",
    )
    connect_timeout: float = Field(2.0, gt=0, description="Seconds allowed to connect.")
    request_timeout: float = Field(
        15.0,
        gt=0,
        description="Seconds a node waits for another's answer (control: longer than AMI's 10).",
    )
    publish_queue: int = Field(
        10_000, ge=100, description="Messages waiting to be published, at most; more are dropped."
    )

    def servers(self) -> list[str]:
        """The server URLs to connect to."""
        return [url for url in self.url.split(",") if url]


CardReaders = Literal["auto", "off"]


class CardsSettings(_Section):
    """Member-card readers at desks and service counters (docs/cards.md)."""

    readers: CardReaders = Field(
        "auto",
        description="auto: the console watches the desk's PC/SC readers itself when pyscard "
        "is installed; off: it never does (run 'ctidesk cards watch' instead, or no readers).",
    )
    tap_verifies_minutes: int = Field(
        5,
        ge=0,
        le=60,
        description="Minutes a member's active card tapped at an operator's desk verifies the "
        "member for that operator's redemptions (0: taps never verify).",
    )


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


class LoginSettings(_Section):
    """Login throttling, token idle time, password-hashing threads, member-read rate."""

    token_idle_minutes: int = Field(
        60, ge=0, le=10080, description="A token unused this long ends (0: never; else >= 2)."
    )
    backoff_after_per_login: int = Field(
        3, ge=1, description="Failed logins of one login name before each next one waits."
    )
    lock_after_per_login: int = Field(
        5, ge=1, description="Failed logins of one login name that lock it out."
    )
    backoff_after_per_address: int = Field(
        10, ge=1, description="Failed logins from one address before each next one waits."
    )
    lock_after_per_address: int = Field(
        50, ge=1, description="Failed logins from one address that lock it out."
    )
    lockout_minutes: int = Field(
        15, ge=1, le=1440, description="How long a lock-out lasts; failures older are forgotten."
    )
    backoff_seconds: float = Field(1.0, gt=0, description="First back-off wait; doubles each time.")
    max_backoff_seconds: float = Field(30.0, gt=0, description="Longest back-off wait, seconds.")
    hashing_threads: int = Field(2, ge=1, le=16, description="Threads that hash passwords.")
    hashing_max_waiting: int = Field(
        32, ge=1, description="Password checks in flight or queued; more get a 503."
    )
    member_reads_per_minute: int = Field(
        120, ge=1, description="Member records one user may read per minute; more get a 429."
    )

    @field_validator("token_idle_minutes")
    @classmethod
    def _idle_long_enough(cls, value: int) -> int:
        if value == 1:
            raise ValueError("must be 0 (never) or at least 2 (last use is kept per minute)")
        return value

    def idle_timeout(self) -> timedelta | None:
        """How long a token may go unused (None: no limit)."""
        return timedelta(minutes=self.token_idle_minutes) if self.token_idle_minutes else None

    def throttle_policy(self) -> ThrottlePolicy:
        """The login throttle these settings describe."""
        return ThrottlePolicy(
            per_login=Limit(self.backoff_after_per_login, self.lock_after_per_login),
            per_address=Limit(self.backoff_after_per_address, self.lock_after_per_address),
            lockout=timedelta(minutes=self.lockout_minutes),
            backoff=timedelta(seconds=self.backoff_seconds),
            max_backoff=timedelta(seconds=self.max_backoff_seconds),
        )

    def hashing(self) -> PasswordHashing:
        """Password hashing on ``hashing_threads`` threads of its own."""
        return PasswordHashing(workers=self.hashing_threads, max_waiting=self.hashing_max_waiting)

    @model_validator(mode="after")
    def _backoff_before_lockout(self) -> LoginSettings:
        for scope in ("login", "address"):
            if getattr(self, f"backoff_after_per_{scope}") > getattr(
                self, f"lock_after_per_{scope}"
            ):
                raise ValueError(
                    f"backoff_after_per_{scope} must not exceed lock_after_per_{scope}"
                )
        if self.hashing_max_waiting < self.hashing_threads:
            raise ValueError("hashing_max_waiting must be at least hashing_threads")
        return self


class SecretsSettings(_Section):
    """Where secrets are read from besides the environment."""

    file: str = Field("", description="Path of the TOML secrets file (mode 600); empty = none.")


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


class Settings(_Section):
    """All settings of the service; build it with `load_settings`."""

    database: DatabaseSettings = Field(
        default_factory=DatabaseSettings, description="CRM database."
    )
    ami: AmiSettings = Field(default_factory=AmiSettings, description="Asterisk Manager Interface.")
    agi: AgiSettings = Field(default_factory=AgiSettings, description="FastAGI server.")
    api: ApiSettings = Field(default_factory=ApiSettings, description="REST + WebSocket API.")
    phone: PhoneSettings = Field(default_factory=PhoneSettings, description="Phone numbers.")
    telephony: TelephonySettings = Field(
        default_factory=TelephonySettings,
        description="Dialplan contexts, wrap-up and service levels.",
    )
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings, description="Loyalty.")
    points: PointsSettings = Field(default_factory=PointsSettings, description="Points limits.")
    recordings: RecordingsSettings = Field(
        default_factory=RecordingsSettings, description="Call recording."
    )
    ivr: IvrSettings = Field(default_factory=IvrSettings, description="IVR flows.")
    dialer: DialerSettings = Field(default_factory=DialerSettings, description="Outbound dialer.")
    stats: StatsSettings = Field(default_factory=StatsSettings, description="Statistics.")
    wallboard: WallboardSettings = Field(
        default_factory=WallboardSettings, description="Wall-board thresholds."
    )
    dialling: OutsideCallSettings = Field(
        default_factory=OutsideCallSettings, description="Calls to outside numbers."
    )
    secrets: SecretsSettings = Field(default_factory=SecretsSettings, description="Secrets file.")
    logins: LoginSettings = Field(
        default_factory=LoginSettings, description="Login throttling and token limits."
    )
    node: NodeSettings = Field(default_factory=NodeSettings, description="This node's roles.")
    nats: NatsSettings = Field(default_factory=NatsSettings, description="The bus between nodes.")
    cards: CardsSettings = Field(default_factory=CardsSettings, description="Member-card readers.")

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    def source_of(self, key: str) -> str:
        """Where the value of `key` ("section.key") came from: default, file path or env var."""
        return self._sources.get(key, DEFAULT_SOURCE)

    def describe(self) -> list[tuple[str, str, str]]:
        """(key, value, source) rows for `ctidesk config show`, secrets masked."""
        rows: list[tuple[str, str, str]] = []
        for section_name in type(self).model_fields:
            section = getattr(self, section_name)
            for field_name in type(section).model_fields:
                key = f"{section_name}.{field_name}"
                rows.append((key, _show(getattr(section, field_name)), self.source_of(key)))
        return rows


def _show(value: object) -> str:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, str) and URL_PASSWORD.match(value):
        return URL_PASSWORD.sub(rf"\g<1>{MASK}\g<3>", value)
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_quote(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_quote(k)} = {_quote(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return str(value)


def _quote(text: object) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _section_fields() -> dict[str, dict[str, Any]]:
    """Section name → field name → annotation."""
    return {
        name: {key: field.annotation for key, field in info.annotation.model_fields.items()}
        for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise SettingsError(f"{what} {path} does not exist") from None
    except OSError as error:
        raise SettingsError(f"{what} {path} cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{what} {path} is not valid TOML: {error}") from None


class _Layers:
    """Merged raw values, where each came from, and the problems found so far."""

    def __init__(self) -> None:
        self.fields = _section_fields()
        self.values: dict[str, dict[str, Any]] = {section: {} for section in self.fields}
        self.sources: dict[str, str] = {}
        self.problems: list[str] = []

    def set(self, section: str, key: str, value: Any, source: str) -> None:
        if section not in self.fields:
            self.problems.append(f"{section}: unknown section (from {source})")
        elif key not in self.fields[section]:
            self.problems.append(f"{section}.{key}: unknown key (from {source})")
        else:
            self.values[section][key] = value
            self.sources[f"{section}.{key}"] = source

    def add_file(self, path: Path, data: dict[str, Any], *, secrets_only: bool) -> None:
        source = str(path)
        for section, table in data.items():
            if section not in self.fields:
                self.problems.append(f"{section}: unknown section (from {source})")
                continue
            if not isinstance(table, dict):
                self.problems.append(f"{section}: expected a [{section}] table (from {source})")
                continue
            for key, value in table.items():
                name = f"{section}.{key}"
                if secrets_only and name not in SECRET_KEYS:
                    self.problems.append(
                        f"{name}: only secrets belong in the secrets file {source}"
                    )
                elif not secrets_only and name in SECRET_KEYS:
                    self.problems.append(
                        f"{name}: secrets are not allowed in settings file {source}; set "
                        f"{ENV_PREFIX}{section.upper()}_{key.upper()} or use the secrets file"
                    )
                else:
                    if name == "secrets.file" and value and not Path(value).is_absolute():
                        value = str(path.parent / value)
                    self.set(section, key, value, source)

    def add_environ(self, environ: Mapping[str, str]) -> None:
        for var, text in sorted(environ.items()):
            if not var.startswith(ENV_PREFIX) or var in NOT_SETTINGS:
                continue
            section, _, key = var.removeprefix(ENV_PREFIX).lower().partition("_")
            annotation = self.fields.get(section, {}).get(key)
            value: Any = text
            if typing.get_origin(annotation) in (dict, list, tuple):
                try:
                    value = tomllib.loads(f"value = {text}")["value"]
                except tomllib.TOMLDecodeError as error:
                    self.problems.append(f"{section}.{key}: not a TOML value (from {var}): {error}")
                    continue
            self.set(section, key, value, var)

    def validation_problems(self, error: ValidationError) -> list[str]:
        lines = []
        for detail in error.errors(include_url=False):
            location = [str(part) for part in detail["loc"]]
            key = ".".join(location[:2])
            where = self.sources.get(key, DEFAULT_SOURCE)
            inner = f" at {'.'.join(location[2:])}" if len(location) > 2 else ""
            got = f", got {detail['input']!r}" if "secret" not in key else ""
            problem = detail["msg"].removeprefix("Value error, ")
            lines.append(f"{key}: {problem}{inner}{got} (from {where})")
        return lines


def default_settings_file() -> Path:
    """The documented defaults file shipped in the repository."""
    return Path(__file__).resolve().parents[1] / "config" / "ctidesk.toml"


def _read_secrets_file(path: Path) -> dict[str, Any]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SettingsError(f"secrets file {path} does not exist") from None
    if mode & 0o077:
        raise SettingsError(
            f"secrets file {path} is accessible by group or others "
            f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    return _read_toml(path, "secrets file")


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    defaults_file: Path | None = None,
) -> Settings:
    """Load settings: defaults ← defaults file ← config file ← secrets file ← environment.

    `config_file` falls back to $CTIDESK_CONFIG; `environ` to the process environment;
    `defaults_file` to `default_settings_file()`, skipped if that file is absent.
    Raises `SettingsError` naming every bad key, its source and what is wrong.
    """
    environ = os.environ if environ is None else environ
    layers = _Layers()
    if defaults_file is None and default_settings_file().is_file():
        defaults_file = default_settings_file()
    if defaults_file is not None:
        layers.add_file(
            defaults_file, _read_toml(defaults_file, "defaults file"), secrets_only=False
        )
    if config_file is None and environ.get(CONFIG_ENV):
        config_file = Path(environ[CONFIG_ENV])
    if config_file is not None:
        layers.add_file(config_file, _read_toml(config_file, "config file"), secrets_only=False)
    secrets_file = environ.get(f"{ENV_PREFIX}SECRETS_FILE", layers.values["secrets"].get("file"))
    if isinstance(secrets_file, str) and secrets_file:
        secrets_path = Path(secrets_file)
        layers.add_file(secrets_path, _read_secrets_file(secrets_path), secrets_only=True)
    layers.add_environ(environ)
    try:
        settings = Settings.model_validate(layers.values)
    except ValidationError as error:
        raise SettingsError(
            "\n".join(layers.problems + layers.validation_problems(error))
        ) from None
    if layers.problems:
        raise SettingsError("\n".join(layers.problems))
    settings._sources = layers.sources
    return settings
