"""The IVR's FastAGI server built from the settings (``[agi]``, ``[ivr]``, ``[phone]``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

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
        survey_started=survey_started,
    )
