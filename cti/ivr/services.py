"""The IVR's FastAGI server built from the settings (``[agi]``, ``[ivr]``, ``[phone]``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr

from crm_core.selfservice.schemas import PinPolicy
from crm_core.wiring import Crm
from cti.settings import Settings
from ivr.app import build_ivr
from ivr.config import IvrConfig, holidays_of
from ivr.hours import OpeningHours
from ivr.server import AgiServer


def ivr_config(settings: Settings) -> IvrConfig:
    """The flows' configuration from the service settings."""
    ivr = settings.ivr
    return IvrConfig(
        pin_policy=PinPolicy(
            max_attempts=ivr.max_pin_attempts, lockout=timedelta(minutes=ivr.lockout_minutes)
        ),
        hours=OpeningHours.parse(ivr.hours, holidays_of(ivr.holidays), ivr.timezone),
        menu=dict(ivr.menu),
        default_queue=ivr.default_queue,
        survey_policy=dict(ivr.survey),
        survey_default=ivr.survey_default,
        voicemail_box=ivr.voicemail_box,
        languages=tuple(ivr.languages),
        keypad_timeout=ivr.keypad_timeout,
        inbound_media=dict(settings.phone.inbound_media),
    )


class AgiSecretMissing(Exception):
    """The service was asked to serve FastAGI without a shared secret."""


NO_SECRET = (
    "the FastAGI server needs a shared secret: set CTIDESK_AGI_SECRET (or [agi] secret in "  # noqa: S105
    "the secrets file) to the secret Asterisk holds in ctidesk_agi.conf (docs/security.md)"
)


def ivr_for(
    settings: Settings, crm: Crm, *, survey_started: Callable[[str], None] | None = None
) -> AgiServer:
    """The FastAGI server of the service, not yet started."""
    secret = settings.agi.secret
    return build_ivr(
        crm=crm,
        config=ivr_config(settings),
        host=settings.agi.host,
        port=settings.agi.port,
        secret=secret.get_secret_value() if secret is not None else None,
        max_sessions=settings.agi.max_sessions,
        survey_started=survey_started,
    )


@dataclass(frozen=True)
class SecretRequired:
    """Runs the service's FastAGI server, which never starts without a shared secret."""

    server: AgiServer
    secret: SecretStr | None

    async def start(self) -> None:
        """Start serving; :class:`AgiSecretMissing` when no secret (or an empty one) is set."""
        if self.secret is None or not self.secret.get_secret_value().strip():
            raise AgiSecretMissing(NO_SECRET)
        await self.server.start()

    async def stop(self) -> None:
        """Stop serving."""
        await self.server.stop()
