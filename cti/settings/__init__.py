"""Typed settings of the service: the schema with defaults, and the layered loader.

Layers, lowest first: defaults in code, ``config/ctidesk.toml``, the ``--config`` file,
the secrets file, then ``CTIDESK_<SECTION>_<KEY>`` environment variables. Each section's
model is in a module of this package by what it configures; everything is named here.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)

from cti.settings.base import (
    CONFIG_ENV,
    DEFAULT_SOURCE,
    ENV_PREFIX,
    MASK,
    NOT_SETTINGS,
    SECRET_KEYS,
    URL_PASSWORD,
    URL_USER,
    SettingsError,
    _Section,
)
from cti.settings.calls import (
    MAX_SERVICE_LEVEL_SECONDS,
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DialPrefix,
    OutsideCallSettings,
    PhoneSettings,
    QueueLimitSettings,
    RecordingPolicyName,
    RecordingsSettings,
    RoleName,
    ServiceLevelSeconds,
    TelephonySettings,
    WallboardSettings,
)
from cti.settings.flows import (
    CardReaders,
    CardsSettings,
    DialerSettings,
    IvrSettings,
    SurveyPolicy,
)
from cti.settings.nodes import (
    NODE_ROLES,
    NatsSettings,
    NodeRole,
    NodeSettings,
)
from cti.settings.stores import (
    DatabaseSettings,
    LoginSettings,
    LoyaltySettings,
    PointsSettings,
    SecretsSettings,
    StatsSettings,
)


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
    return Path(__file__).resolve().parents[2] / "config" / "ctidesk.toml"


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


__all__ = [
    "CONFIG_ENV",
    "DEFAULT_SOURCE",
    "ENV_PREFIX",
    "MASK",
    "MAX_SERVICE_LEVEL_SECONDS",
    "NODE_ROLES",
    "NOT_SETTINGS",
    "SECRET_KEYS",
    "URL_PASSWORD",
    "URL_USER",
    "AgiSettings",
    "AmiSettings",
    "ApiSettings",
    "CardReaders",
    "CardsSettings",
    "DatabaseSettings",
    "DialPrefix",
    "DialerSettings",
    "IvrSettings",
    "LoginSettings",
    "LoyaltySettings",
    "NatsSettings",
    "NodeRole",
    "NodeSettings",
    "OutsideCallSettings",
    "PhoneSettings",
    "PointsSettings",
    "QueueLimitSettings",
    "RecordingPolicyName",
    "RecordingsSettings",
    "RoleName",
    "SecretsSettings",
    "ServiceLevelSeconds",
    "Settings",
    "SettingsError",
    "StatsSettings",
    "SurveyPolicy",
    "TelephonySettings",
    "WallboardSettings",
    "default_settings_file",
    "load_settings",
]
