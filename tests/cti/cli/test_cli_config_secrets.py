"""``ctidesk config show`` never prints a database password; the password may come from the
secrets file; the demo's supervisor has a password of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cti.cli import app
from cti.demo.stack import DEMO_AGENTS, DEMO_SUPERVISOR, DemoStack
from cti.settings import Settings, SettingsError, load_settings

PG = "postgresql+asyncpg://ctidesk@db.example/ctidesk"


def secrets_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def config_show(env: dict[str, str]) -> str:
    result = CliRunner().invoke(
        app, ["config", "show"], env={"COLUMNS": "250", **env}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_config_show_masks_a_password_written_in_the_database_url() -> None:
    url = "postgresql+asyncpg://ctidesk:hunter2@db.example:5432/ctidesk"
    shown = config_show({"CTIDESK_DATABASE_URL": url})
    assert "hunter2" not in shown
    assert "postgresql+asyncpg://ctidesk:********@db.example:5432/ctidesk" in shown


def test_a_password_with_an_at_sign_is_masked_whole() -> None:
    shown = config_show({"CTIDESK_DATABASE_URL": "postgresql+asyncpg://u:p@ss@db/x"})
    assert "p@ss" not in shown and "ss@db" not in shown
    assert "postgresql+asyncpg://u:********@db/x" in shown


def test_the_database_password_comes_from_the_secrets_file_and_is_put_in_the_url(
    tmp_path: Path,
) -> None:
    secrets = secrets_file(tmp_path, '[database]\npassword = "p@ss word/1"\n')
    environ = {"CTIDESK_SECRETS_FILE": str(secrets), "CTIDESK_DATABASE_URL": PG}
    settings = load_settings(environ=environ)
    assert settings.database.connect_url() == (
        "postgresql+asyncpg://ctidesk:p%40ss%20word%2F1@db.example/ctidesk"
    )
    assert settings.source_of("database.password") == str(secrets)
    shown = config_show(environ)
    assert "p@ss" not in shown and "p%40ss" not in shown


def test_a_database_password_in_a_settings_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[database]\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"database\.password") as refused:
        load_settings(config, environ={})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "why"),
    [("postgresql+asyncpg://ctidesk:other@db/x", "not both"),
     ("postgresql+asyncpg://db/x", "naming a user")],
)  # fmt: skip
def test_a_database_password_needs_a_url_with_a_user_and_no_password(url: str, why: str) -> None:
    with pytest.raises(SettingsError, match=why):
        load_settings(environ={"CTIDESK_DATABASE_URL": url, "CTIDESK_DATABASE_PASSWORD": "pw"})


def test_without_a_password_setting_the_url_is_used_as_it_is() -> None:
    assert Settings().database.connect_url() == Settings().database.url


def test_the_demo_supervisor_has_a_password_of_its_own() -> None:
    stack = DemoStack(Settings())
    assert {stack.password_of(login) for login in DEMO_AGENTS} == {stack.password}
    assert stack.password_of(DEMO_SUPERVISOR) == stack.supervisor_password != stack.password
