"""The sandbox itself: ``up``, ``down``, ``status`` and ``cli`` over one cached tree."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from cti.sandbox import process
from cti.sandbox.ami_probe import wait_for_ami
from cti.sandbox.build import Progress, ensure_tree
from cti.sandbox.errors import NeedsRootError, SandboxError
from cti.sandbox.layout import SandboxLayout
from cti.sandbox.state import SandboxState, write_secrets_file
from cti.sandbox.templates import ConfigValues, modules_dir, write_config

AMI_HOST = "127.0.0.1"
ASTERISK = "/usr/sbin/asterisk"
RTP_PORTS = (10000, 10999)
ROOT_HINT = (
    "the Asterisk sandbox needs root (it uses chroot and mount): run it as root, e.g. "
    "`sudo .venv/bin/ctidesk sandbox up`; or skip the sandbox and point the [ami] "
    "settings (CTIDESK_AMI_HOST, CTIDESK_AMI_PORT, CTIDESK_AMI_USERNAME, "
    "CTIDESK_AMI_SECRET) at an Asterisk of your own"
)


def _to_stderr(line: str) -> None:
    print(f"[sandbox] {line}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class UpResult:
    """What ``up`` found or did."""

    state: SandboxState
    already_running: bool
    built_tree: bool
    seconds_to_ami: float


class Sandbox:
    """A real Asterisk 22 on loopback, in a chroot tree built once and cached."""

    def __init__(
        self,
        *,
        layout: SandboxLayout | None = None,
        ami_port: int = 5038,
        ami_username: str = "ctidesk",
        sip_port: int = 5060,
        start_timeout: float = 60.0,
        progress: Progress = _to_stderr,
        mirror: str | None = None,
        system_name: str = "",
    ) -> None:
        self.layout = SandboxLayout.from_environ() if layout is None else layout
        self.system_name = system_name  # asterisk.conf's systemname; empty: none
        self.ami_port = ami_port
        self.ami_username = ami_username
        self.sip_port = sip_port
        self.start_timeout = start_timeout
        self.mirror = mirror  # the Debian mirror of a build; None: choose_mirror() finds one
        self._progress = progress
        self._process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ queries
    def status(self) -> SandboxState | None:
        """The running sandbox's state, or None when it is not running."""
        state = SandboxState.load(self.layout.state_file)
        if state is None or not self._is_ours(state.pid):
            return None
        return state

    def cli(self, command: str) -> str:
        """Run an Asterisk CLI command in the running sandbox; returns its output."""
        _require_root()
        if "\n" in command or "\r" in command or not command.strip():
            raise SandboxError("the CLI command must be one non-empty line")
        if self.status() is None:
            raise SandboxError("the sandbox is not running; start it with `ctidesk sandbox up`")
        return process.chroot_command(self.layout.root, [ASTERISK, "-rx", command])

    # ------------------------------------------------------------------ lifecycle
    def up(self, *, ami_secret: str | None = None, agi_secret: str | None = None) -> UpResult:
        """Build the tree if missing, write the config, start Asterisk, wait for AMI.

        New AMI and FastAGI secrets are generated unless given (a restart that connected
        clients must survive); both go to the secrets file the service reads.
        """
        _require_root()
        running = self.status()
        if running is not None:
            return UpResult(running, already_running=True, built_tree=False, seconds_to_ami=0)
        self._clean_up_stale()
        built = ensure_tree(self.layout, self._progress, mirror=self.mirror)
        _require_free_port(self.ami_port, socket.SOCK_STREAM)
        _require_free_port(self.sip_port, socket.SOCK_DGRAM)
        ami_secret = ami_secret or secrets.token_urlsafe(24)
        agi_secret = agi_secret or secrets.token_urlsafe(24)
        write_config(
            self.layout,
            ConfigValues(
                ami_port=self.ami_port,
                ami_username=self.ami_username,
                ami_secret=ami_secret,
                agi_secret=agi_secret,
                sip_port=self.sip_port,
                rtp_start=RTP_PORTS[0],
                rtp_end=RTP_PORTS[1],
                modules_dir=modules_dir(self.layout),
                system_name=self.system_name,
            ),
        )
        write_secrets_file(self.layout.secrets_file, ami_secret, agi_secret)
        process.mount_proc(self.layout.proc_dir)
        try:
            process.chroot_command(self.layout.root, ["mkdir", "-p", "/var/run/asterisk"])
            self.layout.output_log.write_bytes(b"")
            self._process = process.start_in_chroot(
                self.layout.root, [ASTERISK, "-f", "-n"], self.layout.output_log
            )
            seconds = wait_for_ami(
                AMI_HOST,
                self.ami_port,
                self.ami_username,
                ami_secret,
                timeout=self.start_timeout,
                still_starting=self._still_starting,
            )
        except BaseException as error:
            tail = self._output_tail()
            self._stop_pid(self._process.pid if self._process else None)
            process.unmount(self.layout.proc_dir)
            if isinstance(error, SandboxError):
                raise SandboxError(f"{error}{tail}") from None
            raise
        state = SandboxState(
            pid=self._process.pid,
            root=str(self.layout.root),
            ami_host=AMI_HOST,
            ami_port=self.ami_port,
            ami_username=self.ami_username,
            sip_port=self.sip_port,
            started_at=time.time(),
            secrets_file=str(self.layout.secrets_file),
            output_log=str(self.layout.output_log),
        )
        state.save(self.layout.state_file)
        self._progress(
            f"Asterisk is up: pid {state.pid}, AMI {AMI_HOST}:{self.ami_port} "
            f"(user {self.ami_username}) answered in {seconds:.1f} s"
        )
        return UpResult(state, already_running=False, built_tree=built, seconds_to_ami=seconds)

    def down(self) -> bool:
        """Stop Asterisk by pid and unmount proc; True when a running sandbox was stopped."""
        _require_root()
        state = SandboxState.load(self.layout.state_file)
        stopped = False
        if state is not None and self._is_ours(state.pid):
            self._progress(f"stopping Asterisk (pid {state.pid})")
            self._stop_pid(state.pid)
            stopped = True
        self._clean_up_stale()
        return stopped

    # ------------------------------------------------------------------ internals
    def _is_ours(self, pid: int) -> bool:
        """Whether ``pid`` runs and is chrooted into this tree (not a reused pid)."""
        if self._process is not None and self._process.pid == pid:
            self._process.poll()  # reap it if it exited
        if not process.process_exists(pid):
            return False
        root = process.process_root(pid)
        return root is not None and root == self.layout.root.resolve()

    def _still_starting(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _stop_pid(self, pid: int | None) -> None:
        if pid is None:
            return
        if process.process_exists(pid):
            # Not answering on its control socket: the signals below stop it.
            with contextlib.suppress(SandboxError):
                process.chroot_command(
                    self.layout.root, [ASTERISK, "-rx", "core stop now"], timeout=10
                )
            if not self._wait(pid, 10.0):
                process.kill(pid)
            if not self._wait(pid, 10.0):
                process.kill(pid, 9)
                if not self._wait(pid, 5.0):
                    raise SandboxError(f"Asterisk (pid {pid}) would not stop")
        if self._process is not None and self._process.pid == pid:
            self._process.wait()
            self._process = None

    def _wait(self, pid: int, timeout: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        return process.wait_gone(pid, timeout)

    def _clean_up_stale(self) -> None:
        """Forget a sandbox whose Asterisk is gone: state, secrets, proc mount."""
        process.unmount(self.layout.proc_dir)
        self.layout.state_file.unlink(missing_ok=True)
        self.layout.secrets_file.unlink(missing_ok=True)

    def _output_tail(self, lines: int = 20) -> str:
        try:
            text = self.layout.output_log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n--- Asterisk output (tail) ---\n" + "\n".join(text.splitlines()[-lines:])


def _require_root() -> None:
    if os.geteuid() != 0:
        raise NeedsRootError(ROOT_HINT)


def _require_free_port(port: int, kind: socket.SocketKind) -> None:
    with socket.socket(socket.AF_INET, kind) as sock:
        # Like Asterisk: a port left in TIME_WAIT by the previous run is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((AMI_HOST, port))
        except OSError:
            protocol = "TCP" if kind == socket.SOCK_STREAM else "UDP"
            raise SandboxError(
                f"{protocol} port {AMI_HOST}:{port} is in use; choose another "
                f"(CTIDESK_AMI_PORT for AMI, --sip-port for SIP)"
            ) from None
