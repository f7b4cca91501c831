"""``bench/dialer_sim.py`` models dialling correctly: one simulated hour checked against the
analytic progressive occupancy (a model check, not a timing one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.support.paths import ROOT

PROGRESSIVE_ANALYTIC = 195 / 240
"""Talk 180 s + wrap-up 15 s per call, over that plus 45 s idle (35 s of unanswered
dials, 10 s of ringing) in progressive mode."""


@pytest.fixture(scope="module")
def one_hour() -> dict[str, dict[str, Any]]:
    """One seed, one hour, 50 agents, both modes, as the script's ``--json`` prints them."""
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "bench" / "dialer_sim.py"), "--json",
            "--hours", "1", "--seeds", "1", "--agents", "50",
        ],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr  # 1: a row missed the 8-h goals
    rows = json.loads(result.stdout)
    return {row["mode"]: row for row in rows}


def test_the_json_rows_name_mode_agents_seed_occupancy_and_abandon_rate(
    one_hour: dict[str, dict[str, Any]],
) -> None:
    assert set(one_hour) == {"progressive", "predictive"}
    for row in one_hour.values():
        assert set(row) == {"mode", "agents", "seed", "occupancy", "abandon_rate"}
        assert (row["agents"], row["seed"]) == (50, 1)


def test_progressive_occupancy_is_near_its_analytic_value_and_abandons_nobody(
    one_hour: dict[str, dict[str, Any]],
) -> None:
    progressive = one_hour["progressive"]
    assert progressive["occupancy"] == pytest.approx(PROGRESSIVE_ANALYTIC, abs=0.025)
    assert progressive["abandon_rate"] == 0.0


def test_predictive_keeps_agents_busier_inside_the_abandon_cap(
    one_hour: dict[str, dict[str, Any]],
) -> None:
    predictive = one_hour["predictive"]
    assert predictive["occupancy"] > one_hour["progressive"]["occupancy"] + 0.08
    assert 0.0 < predictive["abandon_rate"] <= 0.03
