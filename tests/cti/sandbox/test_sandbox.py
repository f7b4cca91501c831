"""The Asterisk sandbox: a real Asterisk 22 that answers AMI and routes queue calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cti.sandbox.errors import SandboxError
from cti.sandbox.process import is_mounted, process_exists
from cti.sandbox.templates import ConfigValues, render, template_dir
from tests.support.asterisk import AmiClient, AsteriskServer

CALLER = '"李娜" <13812345678>'
HOTLINE_DID = "4008001234"
AGENT_PHONE = "Local/6001@test-phones/n"


def _values() -> ConfigValues:
    return ConfigValues(
        ami_port=5038,
        ami_username="ctidesk",
        ami_secret="s3cret",
        agi_secret="agi-s3cret",
        sip_port=5060,
        rtp_start=10000,
        rtp_end=10999,
        modules_dir="/usr/lib/x/asterisk/modules",
    )


def test_every_template_renders_without_leftover_placeholders() -> None:
    placeholders = _values().placeholders()
    for template in sorted(template_dir().glob("*.conf")):
        text = render(template.read_text(), placeholders, name=template.name)
        assert "@@" not in text, template.name


def test_an_unknown_placeholder_or_a_value_with_a_newline_is_refused() -> None:
    with pytest.raises(SandboxError, match="unknown placeholder @@NOPE@@"):
        render("port = @@NOPE@@", {"AMI_PORT": "1"})
    bad = ConfigValues(**{**_values().__dict__, "ami_secret": "a\nb"})
    with pytest.raises(SandboxError, match="AMI_SECRET"):
        bad.placeholders()


def test_without_root_up_says_so_and_changes_nothing(tmp_path: Path) -> None:
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run a command as nobody")
    tree = tmp_path / "tree"
    script = "from cti.sandbox import Sandbox; Sandbox().up()"
    result = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-c",
            script,
        ],
        env={**os.environ, "CTIDESK_SANDBOX_DIR": str(tree)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "NeedsRootError: the Asterisk sandbox needs root" in result.stderr
    assert "CTIDESK_AMI_HOST" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_generated_secret_is_in_a_private_secrets_file(asterisk: AsteriskServer) -> None:
    secrets_file = Path(asterisk.state.secrets_file)
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert len(asterisk.ami_secret) >= 24


async def test_ami_login_works_with_the_generated_secret_and_fails_with_a_wrong_one(
    asterisk: AsteriskServer,
) -> None:
    good = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    assert (await good.login(asterisk.ami_username, asterisk.ami_secret))["Response"] == "Success"
    await good.close()
    bad = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    response = await bad.login(asterisk.ami_username, asterisk.ami_secret + "x")
    assert response["Response"] == "Error"
    assert response["Message"] == "Authentication failed"
    await bad.close()


async def test_no_channels_at_start(ami: AmiClient, asterisk: AsteriskServer) -> None:
    assert await ami.list_action("CoreShowChannels") == []
    assert "0 active channels" in asterisk.cli("core show channels")


def test_up_when_already_up_changes_nothing(asterisk: AsteriskServer) -> None:
    again = asterisk.sandbox.up()
    assert again.already_running
    assert again.state == asterisk.state


async def test_a_caller_reaches_an_auto_answer_agent_through_the_queue(
    ami: AmiClient, asterisk: AsteriskServer
) -> None:
    added = await ami.action(
        "QueueAdd", Queue="hotline", Interface=AGENT_PHONE, MemberName="王芳 Wang Fang"
    )
    assert added["Response"] == "Success", added
    try:
        originated = await ami.action(
            "Originate",
            Channel="Local/s@test-caller",
            Context="from-trunk",
            Exten=HOTLINE_DID,
            Priority="1",
            CallerID=CALLER,
            Async="true",
        )
        assert originated["Response"] == "Success", originated
        joined = await ami.wait_for_event("QueueCallerJoin", Queue="hotline")
        called = await ami.wait_for_event("AgentCalled", Queue="hotline")
        connected = await ami.wait_for_event("AgentConnect", Queue="hotline")
        assert joined["CallerIDNum"] == "13812345678"
        assert called["CallerIDName"] == "李娜"
        assert called["Interface"] == AGENT_PHONE
        assert called["MemberName"] == "王芳 Wang Fang"
        assert called["Linkedid"] == joined["Linkedid"]
        assert connected["Linkedid"] == joined["Linkedid"]
        assert int(connected["HoldTime"]) >= 0
    finally:
        await ami.action("Hangup", Channel="/^Local/.*/")
        await ami.action("QueueRemove", Queue="hotline", Interface=AGENT_PHONE)
    await ami.wait_for_event("AgentComplete", Queue="hotline")
    for _ in range(50):
        if await ami.list_action("CoreShowChannels") == []:
            break
    assert await ami.list_action("CoreShowChannels") == []


def test_down_leaves_no_process_and_no_mount_and_up_starts_again(
    asterisk: AsteriskServer,
) -> None:
    pid = asterisk.pid
    proc_dir = asterisk.sandbox.layout.proc_dir
    assert is_mounted(proc_dir)
    asterisk.stop()
    assert not process_exists(pid)
    assert not is_mounted(proc_dir)
    assert asterisk.sandbox.status() is None
    assert not asterisk.sandbox.layout.state_file.exists()
    asterisk.start()  # later tests of the session get a running sandbox again
    assert asterisk.pid != pid


async def test_our_ami_client_lists_channels_on_the_real_asterisk(asterisk: AsteriskServer) -> None:
    from pydantic import SecretStr

    from cti.ami import Action
    from cti.ami import AmiClient as ProductAmiClient
    from cti.settings import AmiSettings

    settings = AmiSettings(
        host=asterisk.ami_host, port=asterisk.ami_port, username=asterisk.ami_username,
        secret=SecretStr(asterisk.ami_secret),
    )  # fmt: skip
    client = ProductAmiClient(settings)
    await client.start()
    try:
        await client.wait_online(within=10)
        listing = await client.send_list(Action("CoreShowChannels"))
        assert listing.complete.event == "CoreShowChannelsComplete"
    finally:
        await client.stop()


@pytest.mark.parametrize("extension", ["hangup3", "hangup12", "dtmf1", "dtmf1234#"])
def test_the_test_callers_extensions_match(asterisk: AsteriskServer, extension: str) -> None:
    shown = asterisk.cli(f"dialplan show {extension}@test-caller")
    assert "Answer()" in shown, shown


def test_the_dialer_needs_app_amd_and_confbridge_loaded(asterisk: AsteriskServer) -> None:
    for module in ("app_amd.so", "app_confbridge.so"):
        shown = asterisk.cli(f"module show like {module}")
        assert "1 modules loaded" in shown, shown


def test_the_loopback_carrier_points_at_the_sandboxs_own_sip_port(
    asterisk: AsteriskServer,
) -> None:
    shown = asterisk.cli("pjsip show endpoint loopback-carrier")
    assert f"sip:127.0.0.1:{asterisk.sandbox.sip_port}" in shown, shown
    assert "127.0.0.1/32" in shown, shown
