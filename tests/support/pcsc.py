"""The real PC/SC stack for the card tests: a private pcscd with the vpcd virtual reader,
and virtual cards written here that speak vpcd's protocol.

pcscd always serves ``/run/pcscd/pcscd.comm``; to keep the test's daemon apart from any
other on the machine it runs in a mount namespace of its own (``unshare -m``) where a
fresh directory is bind-mounted on ``/run/pcscd``, and its clients (pyscard in the test
process) find the socket through ``PCSCLITE_CSOCK_NAME``. Its vpcd readers listen on a
free pair of TCP ports (``Virtual PCD 00 00`` on the first, ``00 01`` on the next). It
is started in the foreground and stopped by pid. Needs root (the mount namespace).

A reader cannot be plugged into a running pcscd here: the kernel of these machines has
no USB at all, and pcscd reads ``reader.conf.d`` only when it starts (its ``--hotplug``
signal, SIGUSR1, re-reads nothing when pcscd is built with libudev, as Debian's is). The
nearest real thing is :meth:`PcscDaemon.restart` with a second vpcd driver in
``reader.conf.d`` (its two readers, :data:`COUNTER_READERS`), or without it again.

A :class:`VirtualCard` is vpcd's TCP client: connecting inserts it in the reader of that
port, closing removes it. Framing: a 2-byte big-endian length, then the bytes; a 1-byte
message is a control code (0 off, 1 on, 2 reset, 4 "send your ATR"), a longer one an
APDU to answer.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
from pathlib import Path

from tests.support.processes import stop_by_pid

DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SETUP_HINT = "run `scripts/setup.sh --with-cards` (as root) to install pcscd and vpcd"
ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")  # a contactless card's
GET_UID = bytes.fromhex("FFCA000000")
READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
COUNTER_READERS = ("Counter PCD 00 00", "Counter PCD 00 01")
"""The readers of the second vpcd driver :meth:`PcscDaemon.restart` can add."""


def missing() -> str | None:
    """Why the real stack cannot run here, or None."""
    if os.geteuid() != 0:
        return "pcscd's private mount namespace needs root"
    if shutil.which("pcscd") is None or not DRIVER.exists() or shutil.which("unshare") is None:
        return f"pcscd or the vpcd driver is missing; {SETUP_HINT}"
    return None


def _free_port_pair(taken: tuple[int, ...] = ()) -> int:
    """A port P with P and P+1 both free on the loopback and any address (vpcd binds both),
    neither of them in ``taken``."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("0.0.0.0", 0))  # vpcd listens on every address
            port = first.getsockname()[1]
            if port >= 65535 or {port, port + 1} & set(taken):
                continue
            with socket.socket() as second:
                try:
                    second.bind(("0.0.0.0", port + 1))
                except OSError:
                    continue
                return int(port)
    raise RuntimeError("no free pair of ports for vpcd")


class PcscDaemon:
    """A private pcscd with the vpcd driver; ``start``, ``stop`` and ``start`` again."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ctidesk-pcscd-"))
        self.socket_path = self.root / "run" / "pcscd.comm"
        self.port = _free_port_pair()
        self.counter_port = _free_port_pair((self.port, self.port + 1))
        self.readers = READERS
        """The readers pcscd is set up with (it lists exactly these once started)."""
        self.process: subprocess.Popen[bytes] | None = None
        self.conf = self.root / "reader.conf.d"
        self.conf.mkdir()
        (self.root / "run").mkdir()
        (self.conf / "vpcd").write_text(_reader_conf("Virtual PCD", self.port, DRIVER))
        # vpcd keeps its readers' sockets in the library's globals, per slot: a second
        # driver is a copy of the library under another path, so pcscd loads it apart
        self.counter_driver = self.root / "libifdvpcd-counter.so"
        shutil.copyfile(DRIVER, self.counter_driver)

    @property
    def pid(self) -> int | None:
        """pcscd's pid while it runs."""
        return self.process.pid if self.process is not None else None

    def start(self) -> PcscDaemon:
        """Start pcscd in the foreground and wait until it answers with both readers."""
        Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        script = 'mount --bind "$0" /run/pcscd && exec pcscd --foreground --config "$1"'
        log = (self.root / "pcscd.log").open("ab")
        self.process = subprocess.Popen(  # unshare execs sh, which execs pcscd: one pid
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
             str(self.root / "run"), str(self.root / "reader.conf.d")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        atexit.register(self.stop)
        self._until_readers()
        return self

    def restart(self, *, counter_readers: bool) -> PcscDaemon:
        """Stop pcscd, set up the second driver's readers (or none), start it again."""
        self.stop()
        counter = self.conf / "vpcd-counter"
        if counter_readers:
            counter.write_text(_reader_conf("Counter PCD", self.counter_port, self.counter_driver))
            self.readers = READERS + COUNTER_READERS
        else:
            counter.unlink(missing_ok=True)
            self.readers = READERS
        return self.start()

    def _until_readers(self) -> None:
        """Poll pcscd (a new context each time) until it lists exactly its readers."""
        from smartcard import scard

        deadline = 200
        for _ in range(deadline):
            assert self.process is not None and self.process.poll() is None, self.log()
            code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if code == scard.SCARD_S_SUCCESS:
                code, readers = scard.SCardListReaders(context, [])
                scard.SCardReleaseContext(context)
                if code == scard.SCARD_S_SUCCESS and set(self.readers) == set(readers):
                    return
            threading.Event().wait(0.05)
        raise RuntimeError(f"pcscd did not list {self.readers}: {self.log()}")

    def stop(self) -> None:
        """Stop pcscd by its pid (SIGTERM, then SIGKILL) and wait for it. Idempotent."""
        atexit.unregister(self.stop)
        process, self.process = self.process, None
        if process is not None:
            stop_by_pid(process)

    def remove(self) -> None:
        """Stop, then delete the daemon's directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def card(
        self, slot: int, uid: str = "", *, status: str = "9000", vanish: bool = False
    ) -> VirtualCard:
        """A virtual card for reader ``slot`` (0: ``Virtual PCD 00 00``, 1: ``… 00 01``)."""
        return VirtualCard(self.port + slot, uid, status=status, vanish=vanish,
                           reader=READERS[slot])  # fmt: skip

    def counter_card(self, slot: int, uid: str) -> VirtualCard:
        """A virtual card for the second driver's reader ``slot`` (``Counter PCD 00 0x``)."""
        return VirtualCard(self.counter_port + slot, uid, reader=COUNTER_READERS[slot])

    def log(self) -> str:
        """pcscd's output so far."""
        path = self.root / "pcscd.log"
        return path.read_text(errors="replace") if path.exists() else ""


class VirtualCard:
    """A contactless card in a vpcd reader: answers ``FF CA 00 00 00`` with its UID.

    ``status`` instead makes it answer those status words (``6A81``: function not
    supported); ``vanish`` makes it leave the reader the moment it is asked its UID.
    """

    def __init__(
        self,
        port: int,
        uid: str = "",
        *,
        status: str = "9000",
        vanish: bool = False,
        reader: str | None = None,
    ) -> None:
        self.port, self.uid, self.status, self.vanish = port, uid, status, vanish
        self.reader = reader
        """The reader's name: ``remove`` then waits until pcscd reports it empty."""
        self.asked = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> VirtualCard:
        """Put the card on the reader (connect to vpcd)."""
        self.asked.clear()
        self._socket = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._socket,), daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        """Take the card off the reader (close the connection)."""
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.reader is not None:
            until_empty(self.reader)

    def answer(self, apdu: bytes) -> bytes:
        """The card's answer to a command APDU."""
        if apdu != GET_UID:
            return bytes.fromhex("6D00")  # instruction not supported
        if self.status != "9000":
            return bytes.fromhex(self.status)
        return bytes.fromhex(self.uid) + bytes.fromhex("9000")

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while (message := _receive(sock)) is not None:
                if len(message) == 1:
                    if message[0] == 4:
                        sock.sendall(struct.pack(">H", len(ATR)) + ATR)
                    continue
                if message == GET_UID:
                    self.asked.set()
                    if self.vanish:
                        sock.shutdown(socket.SHUT_RDWR)
                        return
                reply = self.answer(message)
                sock.sendall(struct.pack(">H", len(reply)) + reply)


def _reader_conf(name: str, port: int, driver: Path) -> str:
    """A ``reader.conf.d`` entry for a vpcd driver whose readers listen from ``port``."""
    return (
        f'FRIENDLYNAME "{name}"\nDEVICENAME /dev/null:{port}\nLIBPATH {driver}\nCHANNELID {port}\n'
    )


def until_empty(reader: str, within_ms: int = 30_000) -> None:
    """Wait (on pcscd's own state-change wait) until ``reader`` holds no card.

    vpcd notices a card gone only at pcscd's next presence poll: a card put back on the
    same reader before that would look as if it had never left, so a test takes a card
    off with this wait before the next one goes on.
    """
    from smartcard import scard

    code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert code == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(code)
    try:
        state = scard.SCARD_STATE_UNAWARE
        while True:
            code, states = scard.SCardGetStatusChange(context, within_ms, [(reader, state)])
            assert code == scard.SCARD_S_SUCCESS, f"{reader} still holds a card: {code:#x}"
            [(_, state, _atr)] = states
            if not state & scard.SCARD_STATE_PRESENT:
                return
            state &= ~scard.SCARD_STATE_CHANGED
    finally:
        scard.SCardReleaseContext(context)


def _receive(sock: socket.socket) -> bytes | None:
    # vpcd writes a power-on (which has no answer) then the next command at once; with
    # Nagle on its socket that command waits for the card's ACK, which Linux delays by
    # 40 ms or more: the card acknowledges at once (a reader on USB has no such wait)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    header = _exactly(sock, 2)
    if header is None:
        return None
    return _exactly(sock, struct.unpack(">H", header)[0])


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


__all__ = [
    "ATR",
    "COUNTER_READERS",
    "READERS",
    "SETUP_HINT",
    "PcscDaemon",
    "VirtualCard",
    "missing",
    "until_empty",
]
