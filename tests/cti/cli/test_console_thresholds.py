"""The wall-board's thresholds come from the ``[wallboard]`` settings, a queue's own limits
over the default; a bad one is refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cti.cli.tui import thresholds_of
from cti.protocol import QueueThresholds
from cti.settings import SettingsError, load_settings


def test_a_queues_own_limits_override_the_default(tmp_path: Path) -> None:
    config = tmp_path / "ctidesk.toml"
    config.write_text(
        "[wallboard]\nlongest_wait_seconds = 90\n"
        "[wallboard.queues.vip]\nservice_level_target = 0.95\nlongest_wait_seconds = 20\n"
    )
    thresholds = thresholds_of(load_settings(config, environ={}))
    assert thresholds.of("hotline") == QueueThresholds(0.8, 90, 900)
    assert thresholds.of("vip") == QueueThresholds(0.95, 20, 900)


def test_a_target_over_one_is_refused_naming_the_field(tmp_path: Path) -> None:
    config = tmp_path / "ctidesk.toml"
    config.write_text("[wallboard.queues.vip]\nservice_level_target = 80\n")
    with pytest.raises(SettingsError, match="service_level_target"):
        load_settings(config, environ={})
