"""Settings: layered loading, unknown keys, secrets and `describe()`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cti.cli import app
from cti.settings import (
    SECRET_KEYS,
    Settings,
    SettingsError,
    default_settings_file,
    load_settings,
)


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def rows_by_key(settings: Settings) -> dict[str, tuple[str, str]]:
    return {key: (value, source) for key, value, source in settings.describe()}


def test_defaults_load_and_match_the_defaults_file() -> None:
    from_code = load_settings(environ={}, defaults_file=None)
    assert from_code.ami.port == 5038
    assert from_code.phone.default_region == "CN"
    assert from_code.phone.inbound_media == {}
    assert from_code.loyalty.points_validity_days == 730
    assert from_code.ami.secret is None
    assert from_code.source_of("ami.port") == str(default_settings_file())
    assert from_code.model_dump() == Settings().model_dump()


def test_every_field_is_documented_in_code_and_in_the_defaults_file() -> None:
    text = default_settings_file().read_text(encoding="utf-8")
    for section_name, section_field in Settings.model_fields.items():
        assert section_field.description
        assert f"[{section_name}]" in text
        section_type = section_field.annotation
        assert isinstance(section_type, type)
        for key, field in section_type.model_fields.items():
            assert field.description, f"{section_name}.{key}"
            if f"{section_name}.{key}" not in SECRET_KEYS:
                assert f"\n{key} = " in text, f"{section_name}.{key}"


def test_missing_defaults_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cti.settings.default_settings_file", lambda: tmp_path / "absent.toml")
    settings = load_settings(environ={})
    assert settings.api.port == 8280
    assert settings.source_of("api.port") == "default"
    explicit_missing = tmp_path / "nope.toml"
    with pytest.raises(SettingsError, match=r"nope\.toml"):
        load_settings(environ={}, defaults_file=explicit_missing)


def test_file_overrides_defaults(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", '[ami]\nhost = "pbx.local"\n[api]\nport = 9000\n')
    settings = load_settings(config, environ={})
    assert settings.ami.host == "pbx.local"
    assert settings.ami.port == 5038
    assert settings.api.port == 9000
    assert settings.source_of("ami.host") == str(config)
    assert settings.source_of("ami.port") == str(default_settings_file())


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", "[loyalty]\nexpiring_soon_days = 14\n")
    settings = load_settings(environ={"CTIDESK_CONFIG": str(config)})
    assert settings.loyalty.expiring_soon_days == 14


def test_the_sandbox_tree_and_console_password_variables_are_not_settings() -> None:
    environ = {
        "CTIDESK_SANDBOX_DIR": "/var/cache/x",
        "CTIDESK_SANDBOX_MIRROR": "http://mirror.example/debian",
        "CTIDESK_CONSOLE_PASSWORD": "pw",
    }
    settings = load_settings(environ=environ)
    assert settings.ami.port == 5038
    with pytest.raises(SettingsError, match="sandboxx: unknown section"):
        load_settings(environ={"CTIDESK_SANDBOXX_DIR": "/x"})


def test_recording_settings_from_the_environment() -> None:
    environ = {"CTIDESK_RECORDINGS_QUEUES": '{ vip = "all" }',
               "CTIDESK_RECORDINGS_DIRECTORY": "/srv/recordings"}  # fmt: skip
    settings = load_settings(environ=environ)
    assert settings.recordings.queues == {"vip": "all"}
    assert settings.recordings.directory == "/srv/recordings"
    with pytest.raises(SettingsError, match=r"recordings\.queues"):
        load_settings(environ={"CTIDESK_RECORDINGS_QUEUES": '{ vip = "sometimes" }'})
    with pytest.raises(SettingsError, match=r"recordings\.directory"):
        load_settings(environ={"CTIDESK_RECORDINGS_DIRECTORY": "relative/dir"})


def test_env_overrides_file(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", '[ami]\nport = 6000\n[phone]\ndefault_region = "HK"\n')
    environ = {"CTIDESK_AMI_PORT": "7000", "CTIDESK_DATABASE_ECHO": "true"}
    settings = load_settings(config, environ=environ)
    assert settings.ami.port == 7000
    assert settings.database.echo is True
    assert settings.phone.default_region == "HK"
    rows = rows_by_key(settings)
    assert rows["ami.port"] == ("7000", "CTIDESK_AMI_PORT")
    assert rows["phone.default_region"] == ("HK", str(config))
    assert rows["loyalty.points_validity_days"][1] == str(default_settings_file())


def test_inbound_media_from_env_toml() -> None:
    environ = {"CTIDESK_PHONE_INBOUND_MEDIA": '{ "4008001234" = "Shanghai traffic radio" }'}
    settings = load_settings(environ=environ)
    assert settings.phone.inbound_media == {"4008001234": "Shanghai traffic radio"}
    value, source = rows_by_key(settings)["phone.inbound_media"]
    assert value == '{ "4008001234" = "Shanghai traffic radio" }'
    assert source == "CTIDESK_PHONE_INBOUND_MEDIA"


def test_inbound_media_bad_toml_in_env() -> None:
    with pytest.raises(SettingsError, match=r"phone\.inbound_media.*CTIDESK_PHONE_INBOUND_MEDIA"):
        load_settings(environ={"CTIDESK_PHONE_INBOUND_MEDIA": "{ oops"})


def test_unknown_key_in_file_names_key_and_file(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", '[ami]\nprotocol = "tcp"\n[billboard]\nrate = 3\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    lines = str(caught.value).splitlines()
    assert lines == [
        f"ami.protocol: unknown key (from {config})",
        f"billboard: unknown section (from {config})",
    ]


def test_unknown_env_var_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"ami\.protocol: unknown key .*CTIDESK_AMI_PROTOCOL"):
        load_settings(environ={"CTIDESK_AMI_PROTOCOL": "tcp", "HOME": "/root"})


def test_bad_type_names_key_and_variable() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ={"CTIDESK_AMI_PORT": "abc"})
    message = str(caught.value)
    assert "ami.port" in message
    assert "CTIDESK_AMI_PORT" in message
    assert "'abc'" in message


def test_several_problems_one_line_each(tmp_path: Path) -> None:
    config = write(
        tmp_path / "site.toml", "[api]\nport = 70000\n[loyalty]\npoints_validity_days = 0\n"
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={"CTIDESK_AMI_PORT": "abc"})
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert any(line.startswith("api.port:") and str(config) in line for line in lines)
    assert any(line.startswith("loyalty.points_validity_days:") for line in lines)


def test_bad_region_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"phone\.default_region: .*unknown region 'XX'"):
        load_settings(environ={"CTIDESK_PHONE_DEFAULT_REGION": "XX"})


def test_secret_in_settings_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", '[ami]\nsecret = "hunter2"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    message = str(caught.value)
    assert "ami.secret" in message
    assert str(config) in message
    assert "CTIDESK_AMI_SECRET" in message
    assert "secrets file" in message
    assert "hunter2" not in message


def test_secret_from_env_is_masked() -> None:
    settings = load_settings(environ={"CTIDESK_AMI_SECRET": "hunter2"})
    assert settings.ami.secret is not None
    assert settings.ami.secret.get_secret_value() == "hunter2"
    rows = rows_by_key(settings)
    assert rows["ami.secret"] == ("********", "CTIDESK_AMI_SECRET")
    assert rows["agi.secret"] == ("(not set)", "default")
    assert "hunter2" not in repr(settings.describe())


def test_secrets_file_0600_works(tmp_path: Path) -> None:
    secrets = write(tmp_path / "secrets.toml", '[ami]\nsecret = "s3"\n[agi]\nsecret = "a9"\n')
    settings = load_settings(environ={"CTIDESK_SECRETS_FILE": str(secrets)})
    assert settings.ami.secret is not None
    assert settings.ami.secret.get_secret_value() == "s3"
    assert settings.source_of("agi.secret") == str(secrets)
    overridden = load_settings(
        environ={"CTIDESK_SECRETS_FILE": str(secrets), "CTIDESK_AMI_SECRET": "from-env"}
    )
    assert overridden.ami.secret is not None
    assert overridden.ami.secret.get_secret_value() == "from-env"


def test_secrets_file_named_in_config_relative_to_it(tmp_path: Path) -> None:
    write(tmp_path / "secrets.toml", '[ami]\nsecret = "s3"\n')
    config = write(tmp_path / "site.toml", '[secrets]\nfile = "secrets.toml"\n')
    settings = load_settings(config, environ={})
    assert settings.ami.secret is not None
    assert settings.ami.secret.get_secret_value() == "s3"


def test_secrets_file_0644_is_refused(tmp_path: Path) -> None:
    secrets = write(tmp_path / "secrets.toml", '[ami]\nsecret = "s3"\n', mode=0o644)
    with pytest.raises(SettingsError) as caught:
        load_settings(environ={"CTIDESK_SECRETS_FILE": str(secrets)})
    message = str(caught.value)
    assert str(secrets) in message
    assert "chmod 600" in message


def test_secrets_file_holds_only_secrets(tmp_path: Path) -> None:
    secrets = write(tmp_path / "secrets.toml", '[ami]\nsecret = "s3"\nport = 1\n')
    with pytest.raises(SettingsError, match=r"ami\.port: only secrets"):
        load_settings(environ={"CTIDESK_SECRETS_FILE": str(secrets)})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(SettingsError, match=r"config file .*missing\.toml does not exist"):
        load_settings(missing, environ={})


def test_broken_toml_is_an_error(tmp_path: Path) -> None:
    config = write(tmp_path / "broken.toml", "[ami\nport = 1\n")
    with pytest.raises(SettingsError, match=r"broken\.toml is not valid TOML"):
        load_settings(config, environ={})


def test_settings_are_frozen() -> None:
    settings = load_settings(environ={})
    with pytest.raises(ValueError, match="frozen"):
        settings.ami.port = 1  # type: ignore[misc]


def test_wrap_up_times_and_inbound_contexts_come_from_the_environment() -> None:
    settings = load_settings(
        environ={
            "CTIDESK_TELEPHONY_WRAPUP_SECONDS": "{ hotline = 30, vip = 45.5 }",
            "CTIDESK_TELEPHONY_INBOUND_CONTEXTS": '["from-trunk", "from-pstn"]',
        }
    )
    assert settings.telephony.wrapup_seconds == {"hotline": 30.0, "vip": 45.5}
    assert settings.telephony.inbound_contexts == ("from-trunk", "from-pstn")
    assert settings.telephony.default_wrapup_seconds == 0.0


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CTIDESK_TELEPHONY_WRAPUP_SECONDS", "{ hotline = -1 }", "telephony.wrapup_seconds"),
        ("CTIDESK_TELEPHONY_WRAPUP_SECONDS", "{ hotline = 99999 }", "telephony.wrapup_seconds"),
        ("CTIDESK_TELEPHONY_INBOUND_CONTEXTS", '["from trunk"]', "telephony.inbound_contexts"),
        ("CTIDESK_TELEPHONY_INBOUND_CONTEXTS", "[]", "telephony.inbound_contexts"),
    ],
)
def test_bad_telephony_settings_are_refused_naming_the_key(
    variable: str, value: str, named: str
) -> None:
    with pytest.raises(SettingsError, match=named.replace(".", r"\.")):
        load_settings(environ={variable: value})


def test_service_levels_default_to_twenty_seconds_and_no_overrides() -> None:
    settings = load_settings(environ={})
    assert settings.telephony.service_level_seconds == 20
    assert settings.telephony.service_level == {}
    rows = rows_by_key(settings)
    assert rows["telephony.service_level_seconds"] == ("20", str(default_settings_file()))
    assert rows["telephony.service_level"] == ("{}", str(default_settings_file()))


def test_service_level_default_and_overrides_from_a_file_and_the_environment(
    tmp_path: Path,
) -> None:
    config = write(
        tmp_path / "site.toml",
        "[telephony]\nservice_level_seconds = 30\nservice_level = { vip = 10, hotline = 25 }\n",
    )
    settings = load_settings(config, environ={})
    assert settings.telephony.service_level_seconds == 30
    assert settings.telephony.service_level == {"vip": 10, "hotline": 25}
    rows = rows_by_key(settings)
    assert rows["telephony.service_level"] == ('{ "vip" = "10", "hotline" = "25" }', str(config))
    assert rows["telephony.service_level_seconds"] == ("30", str(config))

    from_env = load_settings(
        config,
        environ={
            "CTIDESK_TELEPHONY_SERVICE_LEVEL_SECONDS": "15",
            "CTIDESK_TELEPHONY_SERVICE_LEVEL": "{ vip = 5 }",
        },
    )
    assert from_env.telephony.service_level_seconds == 15
    assert from_env.telephony.service_level == {"vip": 5}
    assert from_env.source_of("telephony.service_level") == "CTIDESK_TELEPHONY_SERVICE_LEVEL"


@pytest.mark.parametrize(
    ("variable", "value", "named", "why"),
    [
        ("SERVICE_LEVEL_SECONDS", "0", "service_level_seconds", "greater than or equal to 1"),
        ("SERVICE_LEVEL_SECONDS", "-20", "service_level_seconds", "greater than or equal to 1"),
        ("SERVICE_LEVEL_SECONDS", "7200", "service_level_seconds", "less than or equal to 3600"),
        ("SERVICE_LEVEL_SECONDS", "twenty", "service_level_seconds", "valid integer"),
        ("SERVICE_LEVEL_SECONDS", "12.5", "service_level_seconds", "valid integer"),
        ("SERVICE_LEVEL", "{ vip = 0 }", r"service_level: .* at vip", "greater than or equal"),
        ("SERVICE_LEVEL", "{ vip = -3 }", r"service_level: .* at vip", "greater than or equal"),
        ("SERVICE_LEVEL", "{ vip = 12.5 }", r"service_level: .* at vip", "valid integer"),
        ("SERVICE_LEVEL", '{ vip = "10" }', r"service_level: .* at vip", "valid integer"),
        ("SERVICE_LEVEL", "{ vip = true }", r"service_level: .* at vip", "valid integer"),
        ("SERVICE_LEVEL", "[10]", "service_level", "valid dictionary"),
    ],
)
def test_bad_service_levels_are_refused_naming_the_key(
    variable: str, value: str, named: str, why: str
) -> None:
    var = f"CTIDESK_TELEPHONY_{variable}"
    with pytest.raises(SettingsError) as refused:
        load_settings(environ={var: value})
    (line,) = str(refused.value).splitlines()
    assert re.match(rf"telephony\.{named}", line), line
    assert why in line and f"(from {var})" in line, line


def test_a_service_level_of_true_in_a_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", "[telephony]\nservice_level_seconds = true\n")
    with pytest.raises(SettingsError, match=r"telephony\.service_level_seconds: must be a whole"):
        load_settings(config, environ={})


def test_config_show_lists_the_service_levels_and_where_they_came_from(tmp_path: Path) -> None:
    config = write(tmp_path / "site.toml", "[telephony]\nservice_level = { vip = 10 }\n")
    result = CliRunner().invoke(
        app,
        ["--config", str(config), "config", "show"],
        env={"COLUMNS": "250", "CTIDESK_TELEPHONY_SERVICE_LEVEL_SECONDS": "25"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert '{ "vip" = "10" }' in lines["telephony.service_level"]
    assert str(config) in lines["telephony.service_level"]
    assert "25" in lines["telephony.service_level_seconds"]
    assert "CTIDESK_TELEPHONY_SERVICE_LEVEL_SECONDS" in lines["telephony.service_level_seconds"]
