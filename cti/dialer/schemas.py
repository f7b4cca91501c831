"""What the dialer's routes take: a campaign's definition, a status action, a do-not-call."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from crm_core.campaigns.rates import ABANDON_CAP
from crm_core.campaigns.schemas import CampaignSpec
from cti.http.schemas import QUEUE_NAME, Line, RequestBody

PHONE = r"^\+?[0-9]{3,20}$"
"""A phone number as typed: digits, an optional leading ``+`` (normalised to E.164)."""
LOGIN = r"^[A-Za-z0-9._-]{1,64}$"


class CampaignBody(RequestBody):
    """A new campaign. Times of day are ``HH:MM`` in the campaign's zone, per weekday."""

    model_config = ConfigDict(strict=True, str_strip_whitespace=False)

    name: Line = Field(max_length=100)
    mode: Literal["preview", "progressive", "predictive", "ivr_message"]
    queue: str | None = Field(None, pattern=QUEUE_NAME)
    agents: list[str] = Field(default_factory=list, max_length=500)
    caller_id: str | None = Field(None, pattern=PHONE)
    time_zone: Line = Field(max_length=64)
    windows: dict[str, list[list[str]]]
    max_attempts: int = Field(5, ge=1, le=50)
    retry_rules: dict[str, Any] = Field(default_factory=dict)
    dispositions: list[str] = Field(default_factory=list, max_length=100)
    abandon_target: float = Field(ABANDON_CAP, ge=0)
    amd: bool = False
    amd_params: dict[str, int] = Field(default_factory=dict)
    recording: Literal["none", "all"] = "none"
    script: str | None = Field(None, max_length=20000)
    message: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9_/&-]+$")
    """Sound files joined by ``&``: the IVR message, or the one left on a machine."""
    survey: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    """IVR message campaigns: the code of a published questionnaire the callee answers by
    keypad after the message."""
    require_consent: bool = False

    def spec(self) -> CampaignSpec:
        """The CRM's definition (its service checks the rules: windows, cap, codes)."""
        return CampaignSpec(**self.model_dump())


class CampaignActionBody(RequestBody):
    """``{action}``: start, pause, resume or stop the campaign."""

    model_config = ConfigDict(strict=True, str_strip_whitespace=False)

    action: Literal["start", "pause", "resume", "stop"]


class DoNotCallBody(RequestBody):
    """An agent's "do not call": this number, everywhere or in one campaign."""

    model_config = ConfigDict(strict=True, str_strip_whitespace=False)

    phone: str = Field(pattern=PHONE)
    campaign_id: int | None = Field(None, ge=1)
    reason: Line = Field(max_length=400)
    expires_in_days: int | None = Field(None, ge=1, le=3650)
    """Days the entry lasts; none: until removed."""


__all__ = ["LOGIN", "PHONE", "CampaignActionBody", "CampaignBody", "DoNotCallBody"]
