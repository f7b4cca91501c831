"""Who may listen to a recording: supervisors and admins, and the agent of the call."""

from __future__ import annotations

from crm_core.recording_index.schemas import RecordingView
from crm_core.staff.models import Role
from crm_core.staff.schemas import UserView

LISTENERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_listen(user: UserView, recording: RecordingView) -> bool:
    """Whether ``user`` may fetch the audio of ``recording``."""
    return user.role in LISTENERS or (
        recording.agent_login is not None and recording.agent_login == user.login
    )


__all__ = ["LISTENERS", "may_listen"]
