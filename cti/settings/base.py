"""What every settings section shares: the base model, the error, the names of
secrets and sources, and how a URL's password is found (to mask it)."""

from __future__ import annotations

import re

from pydantic import (
    BaseModel,
    ConfigDict,
)

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


__all__ = [
    "CONFIG_ENV",
    "DEFAULT_SOURCE",
    "ENV_PREFIX",
    "MASK",
    "NOT_SETTINGS",
    "SECRET_KEYS",
    "URL_PASSWORD",
    "URL_USER",
    "SettingsError",
]
