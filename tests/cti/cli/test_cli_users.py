"""The `ctidesk users` commands, run as an administrator would."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from crm_core.db.engine import Database
from crm_core.staff.exceptions import InvalidCredentialsError
from crm_core.staff.schemas import IssuedToken
from crm_core.staff.services import UserService
from cti.cli import app


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    return CliRunner()


def invoke(runner: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        app, list(args), input=stdin, catch_exceptions=False, env={"COLUMNS": "200"}
    )
    return result.exit_code, result.output


def login(url: str, user: str, password: str) -> IssuedToken:
    async def attempt() -> IssuedToken:
        db = Database(url)
        try:
            return await UserService(db=db, token_ttl=timedelta(hours=1)).login(user, password)
        finally:
            await db.dispose()

    return asyncio.run(attempt())


def test_add_list_disable_and_enable_users(run: CliRunner, sqlite_url: str) -> None:
    code, out = invoke(
        run,
        *("users", "add", "li.na", "--role", "agent", "--name", "Li Na"),
        *("--extension", "6001", "--interface", "pjsip/6001", "--queues", "sales:0,support:2"),
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert code == 0, out
    assert "added user li.na (Li Na, agent) active" in out
    assert "correct horse" not in out
    code, out = invoke(
        run, "users", "add", "wang.wei", "--role", "supervisor", "--name", "Wang Wei"
    )
    assert code == 0 and "no password: cannot log in" in out

    code, out = invoke(run, "users", "list")
    assert code == 0
    assert "li.na" in out and "PJSIP/6001" in out and "sales:0, support:2" in out
    assert "wang.wei" in out and "supervisor" in out
    code, out = invoke(run, "users", "list", "--role", "agent")
    assert code == 0 and "li.na" in out and "wang.wei" not in out

    assert login(sqlite_url, "li.na", "correct horse battery").user.queues[1].penalty == 2
    code, out = invoke(run, "users", "disable", "li.na")
    assert code == 0 and "disabled user li.na" in out
    with pytest.raises(InvalidCredentialsError):
        login(sqlite_url, "li.na", "correct horse battery")
    code, out = invoke(run, "users", "list")
    assert code == 0 and "li.na" not in out
    code, out = invoke(run, "users", "list", "--all")
    assert code == 0 and "li.na" in out and "no" in out
    code, out = invoke(run, "users", "enable", "li.na")
    assert code == 0 and "enabled user li.na" in out and "active" in out
    assert login(sqlite_url, "li.na", "correct horse battery").user.active


def test_passwd_reads_the_new_password_from_stdin(run: CliRunner, sqlite_url: str) -> None:
    assert invoke(run, "users", "add", "li.na", "--role", "agent", "--name", "Li Na")[0] == 0
    with pytest.raises(InvalidCredentialsError):
        login(sqlite_url, "li.na", "a new good password")
    code, out = invoke(
        run, "users", "passwd", "li.na", "--password-stdin", stdin="a new good password\r\n"
    )
    assert code == 0 and "password set for user li.na" in out
    assert login(sqlite_url, "li.na", "a new good password").user.login == "li.na"

    code, out = invoke(run, "users", "passwd", "li.na")  # no terminal to prompt on
    assert code == 1 and "--password-stdin" in out
    code, out = invoke(run, "users", "passwd", "li.na", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 8 characters" in out and "weak-password" in out
    assert invoke(run, "users", "add", "operator1", "--role", "admin", "--name", "Op")[0] == 0
    code, out = invoke(run, "users", "passwd", "operator1", "--password-stdin", stdin="Operator1\n")
    assert code == 1 and "cannot be the login" in out
    code, out = invoke(run, "users", "passwd", "li.na", "--password-stdin", stdin="\n")
    assert code == 1 and "no password" in out
    code, out = invoke(
        run, "users", "passwd", "nobody", "--password-stdin", stdin="a new good password\n"
    )
    assert code == 1 and "unknown-user" in out
    assert login(sqlite_url, "li.na", "a new good password").user.login == "li.na"


def test_bad_users_are_refused_with_a_clear_message(run: CliRunner) -> None:
    base = ("users", "add", "li.na", "--role", "agent", "--name", "Li Na")
    assert invoke(run, *base, "--interface", "PJSIP/6001")[0] == 0
    for extra, message in (
        (("--queues", "sales:x"), "whole number"),
        (("--queues", "sales:101"), "less than or equal to 100"),
        (("--queues", "sa les"), "not a queue name"),
        (("--interface", "PJSIP/6002,PJSIP/6003"), "cannot contain ','"),
        (("--interface", "Console/dsp"), "not a phone interface"),
        (("--extension", "60-01"), "not an extension"),
    ):
        code, out = invoke(
            run, "users", "add", "zhang.min", "--role", "agent", "--name", "Z", *extra
        )
        assert code == 1 and message in out, (extra, out)
    code, out = invoke(run, *base)
    assert code == 1 and "duplicate-login" in out
    code, out = invoke(
        run,
        "users",
        "add",
        "zhang.min",
        "--role",
        "agent",
        "--name",
        "Z",
        "--interface",
        "PJSIP/6001",
    )
    assert code == 1 and "duplicate-interface" in out
    code, out = invoke(run, "users", "add", "zhang.min", "--role", "owner", "--name", "Z")
    assert code == 2
    code, out = invoke(run, "users", "disable", "nobody")
    assert code == 1 and "unknown-user" in out
    code, out = invoke(run, "users", "list", "--all")
    assert code == 0 and "zhang.min" not in out
