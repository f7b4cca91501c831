"""What the IVR flows need to know, handed in by the service (no settings loading here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from crm_core.selfservice.schemas import PinPolicy
from ivr.hours import OpeningHours

SURVEY_POLICIES = ("always", "opt-in", "never")


@dataclass(frozen=True)
class IvrConfig:
    """Menus, hours, PIN policy, survey policy and prompts of the IVR."""

    pin_policy: PinPolicy = field(default_factory=PinPolicy)
    hours: OpeningHours = field(default_factory=lambda: OpeningHours.parse({}, [], "UTC"))
    menu: Mapping[str, str] = field(default_factory=dict)
    default_queue: str = "hotline"
    survey_policy: Mapping[str, str] = field(default_factory=dict)
    survey_default: str = "opt-in"
    survey_questionnaire: str = "phone-service-evaluation"
    voicemail_box: str = "1000@ctidesk"
    languages: tuple[str, ...] = ("en",)
    keypad_timeout: float = 5.0
    inbound_media: Mapping[str, str] = field(default_factory=dict)

    def survey_wanted(self, queue: str, opted_in: bool) -> bool:
        """Whether a caller of ``queue`` takes the survey (``opted_in``: the agent asked)."""
        policy = self.survey_policy.get(queue, self.survey_default)
        return policy == "always" or (policy == "opt-in" and opted_in)

    def language_for(self, wanted: str | None) -> str:
        """``wanted`` if its sound files are installed, else the first language (English)."""
        return wanted if wanted in self.languages else self.languages[0]


def holidays_of(texts: list[str]) -> list[date]:
    """ISO dates from settings text."""
    return [date.fromisoformat(text) for text in texts]
