"""One FastAGI session: send a command, read its reply, with a timeout on every read.

The helpers cover what the flows use: keypad reads that return validated digits,
the Say* family, playback, channel variables and running a dialplan application.
A hang-up anywhere raises :class:`~ivr.agi.AgiHangup`, which ends the flow.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from ivr.agi import (
    MAX_LINE,
    AgiEnvironment,
    AgiHangup,
    AgiProtocolError,
    AgiReply,
    command_line,
    parse_reply,
)

KEYPAD = "0123456789*#"
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z0-9_,@ -]*\))?")
DIGITS_ONLY = "0123456789"


class AgiSession:
    """Commands on one call's FastAGI connection.

    ``command_timeout`` bounds every reply beyond what the command itself may take
    (a keypad read adds its own timeout), so a silent Asterisk never holds a flow.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        environment: AgiEnvironment,
        *,
        command_timeout: float = 10.0,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.env = environment
        self._timeout = command_timeout
        self.commands = 0

    async def _send(self, *words: str) -> None:
        self._writer.write(command_line(*words))
        self.commands += 1
        await self._writer.drain()

    async def command(self, *words: str, allow: float = 0.0) -> AgiReply:
        """Send one command and read its reply; ``allow`` adds seconds the command may take."""
        try:
            await self._send(*words)
            async with asyncio.timeout(self._timeout + allow):
                line = await self._read_line()
                if line.startswith("520-"):
                    while not line.startswith("520 "):
                        line = await self._read_line()
                    raise AgiProtocolError(f"Asterisk does not accept {words[0]!r} as sent")
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            raise AgiHangup(f"connection lost: {error}") from None
        except TimeoutError:
            raise AgiProtocolError(f"no reply to {words[0]!r} in time") from None
        return parse_reply(line)

    async def _read_line(self) -> str:
        raw = await self._reader.readline()
        if not raw:
            raise AgiHangup("Asterisk closed the connection")
        if len(raw) > MAX_LINE:
            raise AgiProtocolError("AGI reply line too long")
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    # -- keypad --------------------------------------------------------------------
    async def read_digits(
        self, prompt: str, *, max_digits: int, wait: float, allowed: str = DIGITS_ONLY
    ) -> str | None:
        """Play ``prompt`` and read up to ``max_digits`` keys (``#`` ends early).

        Returns the digits, or ``None`` if the caller typed nothing in ``wait``
        seconds or typed a key outside ``allowed``: the caller's input is never
        passed on unchecked.
        """
        if not 1 <= max_digits <= 32:
            raise ValueError("max_digits must be 1 to 32")
        reply = await self.command(
            "GET DATA", prompt, str(int(wait * 1000)), str(max_digits), allow=wait + 60
        )
        digits = reply.result
        if not digits or any(key not in allowed for key in digits):
            return None
        return digits

    async def read_key(self, prompt: str, *, wait: float, allowed: str) -> str | None:
        """One key among ``allowed`` (``None``: nothing typed in time, or another key).

        Every keypad key is a choice here, ``#`` and ``*`` included: ``GET OPTION`` plays
        the prompt, then waits ``wait`` seconds, and returns the key pressed (its character
        code). ``GET DATA`` would not do: it takes ``#`` as the end of input and returns
        nothing, so a menu's "press # to finish" would be heard as no key at all.
        """
        if not allowed or any(key not in KEYPAD for key in allowed):
            raise ValueError(f"menu keys must be keypad keys, not {allowed!r}")
        reply = await self.command(
            "GET OPTION", prompt, KEYPAD, str(int(wait * 1000)), allow=wait + 60
        )
        code = reply.number
        key = chr(code) if 0 < code < 128 else ""
        return key if key and key in allowed else None

    # -- speech --------------------------------------------------------------------
    async def play(self, sound: str) -> None:
        """Play a sound file (keys pressed meanwhile are ignored)."""
        await self.command("STREAM FILE", sound, "", allow=120)

    async def say_number(self, number: int) -> None:
        """Say a number in the channel's language."""
        await self.command("SAY NUMBER", str(number), "", allow=60)

    async def say_digits(self, digits: str) -> None:
        """Say digits one by one (a member number's tail, a card number)."""
        if not digits.isdigit():
            raise ValueError("SAY DIGITS takes digits only")
        await self.command("SAY DIGITS", digits, "", allow=60)

    async def say_date(self, at: datetime) -> None:
        """Say the date of ``at`` (Asterisk's SayDate: weekday, month and day)."""
        await self.command("SAY DATE", str(int(at.timestamp())), "", allow=60)

    # -- channel -------------------------------------------------------------------
    async def answer(self) -> None:
        """Answer the channel (a no-op if the dialplan already did)."""
        await self.command("ANSWER")

    async def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable (or a function such as ``CHANNEL(language)``)."""
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
        await self.command("SET VARIABLE", name, value)

    async def variable(self, expression: str) -> str | None:
        """The value of ``${expression}`` on the channel; ``None`` if it is unset or empty
        (``GET FULL VARIABLE`` answers an unset variable with an empty value)."""
        if not _VARIABLE_NAME.fullmatch(expression):
            raise ValueError(f"not a variable expression: {expression!r}")
        reply = await self.command("GET FULL VARIABLE", "${" + expression + "}")
        return reply.data if reply.result == "1" and reply.data else None

    async def variable_after_hangup(self, name: str) -> str | None:
        """A variable an application left on a channel whose caller has hung up; ``None``
        if it is unset or Asterisk does not answer.

        Asterisk still answers ``GET VARIABLE`` on a dead channel (one of the commands it
        allows there). The ``HANGUP`` notice and the interrupted command's ``result=-1``
        reply may still be queued ahead of the answer: they are skipped.
        """
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
        try:
            await self._send("GET VARIABLE", name)
            async with asyncio.timeout(self._timeout):
                while True:
                    line = await self._read_line()
                    if line.strip() in {"HANGUP", "200 result=-1"}:
                        continue
                    reply = parse_reply(line)
                    return reply.data if reply.result == "1" and reply.data else None
        except (AgiHangup, AgiProtocolError, ConnectionError, TimeoutError):
            return None

    async def run_application(self, application: str, arguments: str, *, allow: float) -> int:
        """Run a dialplan application (``EXEC``); its result code."""
        if not application.isalnum():
            raise ValueError(f"not an application name: {application!r}")
        reply = await self.command("EXEC", application, arguments, allow=allow)
        return reply.number

    async def hang_up(self) -> None:
        """Hang the channel up."""
        await self.command("HANGUP")
