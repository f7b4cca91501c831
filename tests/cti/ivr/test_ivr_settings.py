"""The ``[ivr]`` settings: documented defaults, environment overrides, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cti.cli import app
from cti.ivr.services import ivr_config
from cti.settings import SettingsError, load_settings


def test_the_defaults_make_an_always_open_ivr_with_three_pin_attempts() -> None:
    settings = load_settings(environ={})
    config = ivr_config(settings)
    assert config.pin_policy.max_attempts == 3
    assert config.pin_policy.lockout.total_seconds() == 30 * 60
    assert config.hours.spans == {}
    assert config.voicemail_box == "1000@ctidesk"


def test_hours_holidays_menu_and_survey_from_a_site_file(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[ivr]\nhours = { mon = "09:00-18:00" }\nholidays = ["2026-10-01"]\n'
        'menu = { "1" = "hotline", "2" = "vip" }\nsurvey = { vip = "always" }\n'
        "lockout_minutes = 5\n",
        encoding="utf-8",
    )
    config = ivr_config(load_settings(site, environ={}))
    assert config.menu == {"1": "hotline", "2": "vip"}
    assert config.survey_wanted("vip", opted_in=False)
    assert config.pin_policy.lockout.total_seconds() == 300
    assert len(config.hours.holidays) == 1


def test_lists_and_tables_come_from_the_environment_as_toml() -> None:
    settings = load_settings(
        environ={"CTIDESK_IVR_HOLIDAYS": '["2026-10-01"]', "CTIDESK_IVR_MAX_PIN_ATTEMPTS": "5"}
    )
    assert settings.ivr.holidays == ["2026-10-01"]
    assert settings.ivr.max_pin_attempts == 5
    rows = {key: value for key, value, _ in settings.describe()}
    assert rows["ivr.holidays"] == '["2026-10-01"]'


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("CTIDESK_IVR_HOURS", '{ monday = "09:00-18:00" }', "unknown weekday"),
        ("CTIDESK_IVR_HOURS", '{ mon = "18:00-09:00" }', "end before they start"),
        ("CTIDESK_IVR_HOLIDAYS", '["1 October"]', "not a date"),
        ("CTIDESK_IVR_MENU", '{ "12" = "hotline" }', "one digit"),
        ("CTIDESK_IVR_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("CTIDESK_IVR_SURVEY", '{ hotline = "sometimes" }', "ivr.survey"),
        ("CTIDESK_IVR_VOICEMAIL_BOX", "1000", "ivr.voicemail_box"),
        ("CTIDESK_IVR_MAX_PIN_ATTEMPTS", "0", "ivr.max_pin_attempts"),
    ],
)
def test_bad_ivr_settings_name_the_key_and_the_problem(
    variable: str, value: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ={variable: value})
    assert problem in str(caught.value)
    assert variable in str(caught.value)


def test_the_sandbox_directory_variable_is_not_a_setting() -> None:
    load_settings(environ={"CTIDESK_SANDBOX_DIR": "/var/cache/ctidesk/asterisk-sid"})


def test_serve_refuses_to_start_without_the_agi_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTIDESK_AGI_SECRET", raising=False)
    monkeypatch.delenv("CTIDESK_SECRETS_FILE", raising=False)
    result = CliRunner().invoke(app, ["serve"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "needs a shared secret: set CTIDESK_AGI_SECRET" in result.output


def test_the_agi_session_cap_is_a_setting_of_at_least_one() -> None:
    settings = load_settings(environ={"CTIDESK_AGI_MAX_SESSIONS": "12"})
    assert settings.agi.max_sessions == 12
    with pytest.raises(SettingsError, match=r"agi\.max_sessions"):
        load_settings(environ={"CTIDESK_AGI_MAX_SESSIONS": "0"})
