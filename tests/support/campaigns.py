"""Campaign test helpers: a campaign definition, a running campaign whose dialer holds the
lease, and a way to import numbers into it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from crm_core.campaigns.leases import lease_name
from crm_core.wiring import Crm

EVERY_DAY = {day: [["09:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LEASE_TTL = timedelta(days=30)  # long enough that no test has to renew it


def campaign_spec(**changes: Any) -> dict[str, Any]:
    """A valid progressive campaign in Shanghai, 09:00–21:00 every day; ``changes`` on top."""
    spec: dict[str, Any] = {
        "name": "points-expiry",
        "mode": "progressive",
        "agents": ["agent1", "agent2"],
        "caller_id": "4008001234",
        "time_zone": "Asia/Shanghai",
        "windows": EVERY_DAY,
        "max_attempts": 6,
    }
    spec.update(changes)
    return spec


def phones_csv(*phones: str, header: str = "phone") -> bytes:
    """A one-column CSV of ``phones``."""
    return ("\n".join([header, *phones]) + "\n").encode()


@dataclass(frozen=True)
class Running:
    """A running campaign and the epoch of the dialer lease held on it."""

    id: int
    epoch: int


async def start_campaign(crm: Crm, clock: Callable[[], datetime], **changes: Any) -> Running:
    """Create and start a campaign and take its dialer lease."""
    view = await crm.campaigns.create(campaign_spec(**changes), "sup1")
    await crm.campaigns.set_status(view.id, "start", "sup1")
    lease = await crm.campaigns.acquire_lease(lease_name(view.id), "node-a", LEASE_TTL, clock())
    assert lease is not None
    return Running(view.id, lease.epoch)


KEYPAD_SURVEY = "expiry-call"
"""The code of :func:`keypad_survey`'s questionnaire."""


async def keypad_survey(crm: Crm, *, publish: bool = True, code: str = KEYPAD_SURVEY) -> str:
    """A questionnaire a callee answers by keypad after an IVR message: a rating 1–5 and a
    yes/no question (1 yes, 2 no); its code."""
    await crm.questionnaires.create(
        {
            "code": code,
            "title": "积分到期提醒回访",
            "title_en": "Points expiry call",
            "kind": "phone_survey",
            "questions": [
                {"kind": "rating", "text": "提醒有用吗？", "text_en": "Was the reminder useful?",
                 "rating_min": 1, "rating_max": 5},
                {"kind": "single", "text": "要我们短信提醒吗？", "text_en": "Remind you by SMS?",
                 "options": [{"label": "要", "label_en": "Yes"},
                             {"label": "不要", "label_en": "No"}]},
            ],
        },
        actor="sup1",
        publish=publish,
    )  # fmt: skip
    return code
