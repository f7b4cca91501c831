"""The reader watcher: every PC/SC reader, hot-plug included, through pcscd with pyscard.

It drives pyscard's PC/SC layer (``smartcard.scard``) the way pyscard's own
``CardMonitor`` and ``ReaderMonitor`` do (``SCardGetStatusChange`` over every reader and
the ``\\\\?PnP?\\Notification`` pseudo-reader), in one thread of its own, because those
monitors are process-wide singletons whose threads end for good, with a traceback, the
first time pcscd goes away. This one says so in words and reconnects when pcscd is back.

Readers come and go two ways, and both are said (``ReaderAdded``/``ReaderRemoved``): a
USB reader plugged in or out while pcscd runs (pcscd's PnP notification wakes the wait,
and the reader list is read again), and a reader list that differs after pcscd comes
back (a reader set up in ``reader.conf.d``, or unplugged while pcscd was away): the
watcher remembers the readers it last saw across reconnections.

A card put on a reader is asked its UID with the contactless pseudo-APDU
``FF CA 00 00 00``: ``UID + 90 00`` is a tap; any other status words mean the reader or
card does not support it; a card gone before it answered pops nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from smartcard import scard

from card_agent.events import (
    CardGone,
    CardRead,
    CardRemoved,
    CardUnsupported,
    ReaderAdded,
    ReaderRemoved,
    ServiceAbsent,
    ServiceLost,
    ServiceReady,
    WatchEvent,
)

log = logging.getLogger(__name__)

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
PNP = "\\\\?PnP?\\Notification"
Report = Callable[[WatchEvent], None]


class PcscError(Exception):
    """A PC/SC call failed; ``code`` is its result."""

    def __init__(self, what: str, code: int) -> None:
        super().__init__(f"{what}: {scard.SCardGetErrorMessage(code).strip()} ({code:#x})")
        self.code = code


def _check(what: str, code: int) -> None:
    if code != scard.SCARD_S_SUCCESS:
        raise PcscError(what, code)


def read_uid(context: int, reader: str) -> CardRead | CardUnsupported | CardGone:
    """Ask the card on ``reader`` its UID (one connection, left as it was)."""
    code, card, protocol = scard.SCardConnect(
        context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    if code != scard.SCARD_S_SUCCESS:
        return CardGone(reader, scard.SCardGetErrorMessage(code).strip())
    try:
        code, answer = scard.SCardTransmit(card, protocol, GET_UID)
    finally:
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    if code != scard.SCARD_S_SUCCESS:
        return CardGone(reader, scard.SCardGetErrorMessage(code).strip())
    if len(answer) < 2:  # not even status words: the card went mid-command
        return CardGone(reader, "no answer to the UID command")
    data, status = bytes(answer[:-2]), bytes(answer[-2:])
    if status != b"\x90\x00" or not 4 <= len(data) <= 10:
        return CardUnsupported(reader, status.hex(" ").upper())
    return CardRead(reader, data.hex().upper())


class ReaderWatcher:
    """Watches every reader in a thread of its own and hands each event to ``report``.

    ``report`` runs on the watcher's thread (a card read waits for it, so it should be
    quick or hand the work on). ``retry_seconds`` is the wait between attempts to reach
    pcscd; ``wait_seconds`` how long one status wait lasts before the reader list is
    read again (hot-plug where pcscd has no PnP notification).
    """

    def __init__(
        self, report: Report, *, retry_seconds: float = 2.0, wait_seconds: float = 1.0
    ) -> None:
        self._report = report
        self._retry = retry_seconds
        self._wait_ms = int(wait_seconds * 1000)
        self._stopping = threading.Event()
        self._context: int | None = None
        self._known: tuple[str, ...] | None = None  # the readers last seen, across connections
        self._thread = threading.Thread(target=self._run, name="card-readers", daemon=True)

    def start(self) -> ReaderWatcher:
        """Start watching."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and wait for the thread to end."""
        self._stopping.set()
        context = self._context
        if context is not None:
            scard.SCardCancel(context)
        self._thread.join()

    def _run(self) -> None:
        said: str | None = None  # what was last said about pcscd being unreachable
        watched = False  # a watch ended: an unreachable pcscd is then one that stopped
        while not self._stopping.is_set():
            code, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if code != scard.SCARD_S_SUCCESS:
                detail = scard.SCardGetErrorMessage(code).strip()
                if said != detail:  # say it once, not at every retry
                    self._say(ServiceLost(detail) if watched else ServiceAbsent(detail))
                    said = detail
                self._stopping.wait(self._retry)
                continue
            said = None
            self._context = context
            try:
                self._watch(context)
            except PcscError as error:  # pcscd stopping answers with several codes
                if not self._stopping.is_set():
                    log.info("card readers: %s; reconnecting", error)
                    watched = True
                    self._stopping.wait(self._retry)
            finally:
                self._context = None
                scard.SCardReleaseContext(context)

    def _readers(self, context: int) -> list[str]:
        code, readers = scard.SCardListReaders(context, [])
        if code == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check("listing the readers", code)
        return list(readers)

    def _say(self, event: WatchEvent) -> None:
        """Hand ``event`` to ``report``; a failing report is logged, never ends the watch."""
        try:
            self._report(event)
        except Exception:
            log.exception("card readers: reporting %s failed", event)

    def _reconnected(self, readers: list[str]) -> None:
        """Say pcscd is reached, and which readers came or went while it was away."""
        self._say(ServiceReady(tuple(readers)))
        if self._known is not None:
            for reader in [r for r in self._known if r not in readers]:
                self._say(ReaderRemoved(reader))
            for reader in [r for r in readers if r not in self._known]:
                self._say(ReaderAdded(reader))
        self._known = tuple(readers)

    def _watch(self, context: int) -> None:
        first = self._readers(context)
        self._reconnected(first)
        states = dict.fromkeys(first, scard.SCARD_STATE_UNAWARE)
        pnp = scard.SCARD_STATE_UNAWARE
        while not self._stopping.is_set():
            readers = self._readers(context)
            for reader in [r for r in states if r not in readers]:
                if states.pop(reader) & scard.SCARD_STATE_PRESENT:
                    self._say(CardRemoved(reader))
                self._say(ReaderRemoved(reader))
            for reader in [r for r in readers if r not in states]:
                states[reader] = scard.SCARD_STATE_UNAWARE
                self._say(ReaderAdded(reader))
            self._known = tuple(states)
            asked = [(reader, state) for reader, state in states.items()] + [(PNP, pnp)]
            code, changed = scard.SCardGetStatusChange(context, self._wait_ms, asked)
            if code in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_UNKNOWN_READER):
                continue  # a reader went meanwhile: the list is read again
            _check("waiting for cards", code)
            for reader, event, _atr in changed:
                if reader == PNP:
                    pnp = event & ~scard.SCARD_STATE_CHANGED
                elif reader in states:
                    self._card_moved(context, reader, states[reader], event)
                    states[reader] = event & ~scard.SCARD_STATE_CHANGED

    def _card_moved(self, context: int, reader: str, before: int, after: int) -> None:
        was = bool(before & scard.SCARD_STATE_PRESENT)
        now = bool(after & scard.SCARD_STATE_PRESENT) and not after & scard.SCARD_STATE_MUTE
        if now and not was:
            self._say(read_uid(context, reader))
        elif was and not now:
            self._say(CardRemoved(reader))


__all__ = ["GET_UID", "PcscError", "ReaderWatcher", "read_uid"]
