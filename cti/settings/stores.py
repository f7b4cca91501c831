"""Settings of what the service keeps: the database, loyalty and points limits,
statistics, login throttling and the secrets file."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from crm_core.loyalty.limits import OperationLimit, PointsLimits
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.throttle import Limit, ThrottlePolicy
from cti.settings.base import (
    URL_PASSWORD,
    URL_USER,
    _Section,
)
from cti.settings.flows import IvrSettings


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


__all__ = [
    "DatabaseSettings",
    "LoginSettings",
    "LoyaltySettings",
    "PointsSettings",
    "SecretsSettings",
    "StatsSettings",
]
