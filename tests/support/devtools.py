"""A small client of Chromium's DevTools protocol (CDP) over aiohttp's WebSocket: commands
with their answers, events awaited, and the text of a textual-serve page's terminal.

Reading the terminal: textual-serve's page draws the console with xterm.js on a canvas
(its WebGL and canvas renderers), so the text is not in the page's DOM. A script added
before the page's own (``Page.addScriptToEvaluateOnNewDocument``) catches the xterm.js
``Terminal`` that the page's script stores as ``this.terminal``, and reads its buffer:
``buffer.active.getLine(row).translateToString()`` for each row on screen, which is the text
xterm.js draws. Waiting for text is event-driven in the page: the check runs again after
each chunk of output xterm.js parses (``onWriteParsed``).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import aiohttp

#: Installed before the page's scripts: keeps the page's xterm.js terminals and offers
#: ``ctideskScreen.text()``, ``.tops()`` (the colours of the fields' top borders) and
#: promises ``.until(predicate)`` and ``.waitFor(needles)``, checked after each output.
SCREEN_READER = """
(() => {
  const terminals = [];
  const waiting = [];
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {
        value, writable: true, configurable: true, enumerable: true,
      });
      if (value && value.buffer && typeof value.onWriteParsed === "function") {
        terminals.push(value);
        value.onWriteParsed(() => waiting.slice().forEach((check) => check()));
        waiting.slice().forEach((check) => check());
      }
    },
  });
  const text = () => {
    const terminal = terminals[0];
    if (!terminal) return "";
    const buffer = terminal.buffer.active;
    const rows = [];
    for (let row = 0; row < terminal.rows; row++) {
      const line = buffer.getLine(buffer.viewportY + row);
      rows.push(line ? line.translateToString(true) : "");
    }
    return rows.join("\\n");
  };
  const until = (predicate) => new Promise((resolve) => {
    const check = () => {
      const value = predicate();
      if (!value) return;
      waiting.splice(waiting.indexOf(check), 1);
      resolve(value);
    };
    waiting.push(check);
    check();
  });
  const waitFor = (needles) => until(() => {
    const shown = text();
    return needles.every((needle) => shown.includes(needle)) && shown;
  });
  // The colour of each field's top border ("▔▔▔▔"), top to bottom: a focused field's is lit.
  const tops = () => {
    const terminal = terminals[0];
    if (!terminal) return [];
    const buffer = terminal.buffer.active;
    const found = [];
    for (let row = 0; row < terminal.rows; row++) {
      const line = buffer.getLine(buffer.viewportY + row);
      const at = line ? line.translateToString().indexOf("▔▔▔▔") : -1;
      if (at < 0) continue;
      const cell = line.getCell(at);
      found.push(`${cell.getFgColorMode()}:${cell.getFgColor()}`);
    }
    return found;
  };
  window.ctideskScreen = { text, until, waitFor, tops, terminals };
})();
"""

#: Key events of the keys the tests press: (key, code, Windows virtual key code, text).
KEYS = {
    "enter": ("Enter", "Enter", 13, "\r"),
    "tab": ("Tab", "Tab", 9, "\t"),
    "escape": ("Escape", "Escape", 27, "\x1b"),
}


class DevToolsError(RuntimeError):
    """A DevTools command answered with an error."""


class DevToolsPage:
    """One page (tab) of the browser, over its DevTools WebSocket."""

    def __init__(self, session: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse):
        self._session = session
        self._socket = socket
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, devtools_http: str) -> Self:
        """A new blank page of the browser whose DevTools HTTP endpoint is ``devtools_http``."""
        session = aiohttp.ClientSession()
        try:
            async with session.put(f"{devtools_http}/json/new?about:blank") as response:
                target = await response.json()
            socket = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        except BaseException:
            await session.close()
            raise
        return cls(session, socket)

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                answer = self._answers.pop(data["id"], None)
                if answer is not None and not answer.done():
                    answer.set_result(data)
            else:
                for waiter in self._events.pop(data.get("method", ""), []):
                    if not waiter.done():
                        waiter.set_result(data.get("params", {}))
        for answer in self._answers.values():
            if not answer.done():
                answer.set_exception(DevToolsError("the DevTools connection closed"))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send command ``method`` and return its result (DevToolsError on an error)."""
        command_id = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[command_id] = answer
        await self._socket.send_json({"id": command_id, "method": method, "params": params})
        data = await answer
        if "error" in data:
            raise DevToolsError(f"{method}: {data['error']}")
        result: dict[str, Any] = data.get("result", {})
        return result

    def event(self, method: str) -> asyncio.Future[dict[str, Any]]:
        """A future of the next event ``method`` (ask before doing what sends it)."""
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._events.setdefault(method, []).append(waiter)
        return waiter

    async def evaluate(self, expression: str, *, within: float = 10) -> Any:
        """The value of JavaScript ``expression`` in the page (promises awaited)."""
        async with asyncio.timeout(within):
            result = await self.call(
                "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
            )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def open_console(self, url: str, *, blocked: Sequence[str] = (), within: float = 30):
        """Load the textual-serve page at ``url`` with the screen reader installed; requests
        to ``blocked`` URL patterns fail at once (the page's web font)."""
        await self.call("Page.enable")
        await self.call("Network.enable")
        if blocked:
            await self.call("Network.setBlockedURLs", urls=list(blocked))
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=SCREEN_READER)
        loaded = self.event("Page.loadEventFired")
        async with asyncio.timeout(within):
            await self.call("Page.navigate", url=url)
            await loaded

    async def screen(self) -> str:
        """The text on the page's terminal now, one line a row."""
        text: str = await self.evaluate("window.ctideskScreen.text()")
        return text

    async def wait_for_text(self, *needles: str, within: float = 20) -> str:
        """The terminal's text once it shows every one of ``needles``; AssertionError with
        the text on screen after ``within`` seconds."""
        expression = f"window.ctideskScreen.waitFor({json.dumps(list(needles))})"
        try:
            text: str = await self.evaluate(expression, within=within)
        except TimeoutError:
            raise AssertionError(
                f"{needles} not on the page within {within} s; it shows:\n{await self.screen()}"
            ) from None
        return text

    async def wait_until(self, predicate: str, *, within: float = 20) -> Any:
        """The truthy value of JavaScript ``predicate`` (an expression over
        ``ctideskScreen``), checked after each output; AssertionError after ``within`` s."""
        expression = f"window.ctideskScreen.until(() => {predicate})"
        try:
            return await self.evaluate(expression, within=within)
        except TimeoutError:
            raise AssertionError(
                f"{predicate} not true within {within} s; the page shows:\n{await self.screen()}"
            ) from None

    async def field_tops(self) -> list[str]:
        """The colours of the fields' top borders on the page, top to bottom."""
        tops: list[str] = await self.evaluate("window.ctideskScreen.tops()")
        return tops

    async def focus_terminal(self) -> None:
        """Give the keyboard to the terminal (xterm.js reads keys from a hidden textarea)."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")

    async def type_text(self, text: str) -> None:
        """Type ``text`` into the focused element as one committed input."""
        await self.call("Input.insertText", text=text)

    async def press(self, name: str) -> None:
        """Press and release key ``name`` (a key of :data:`KEYS`, or one printable character)."""
        key, code, virtual, text = KEYS.get(name) or (name, "", ord(name.upper()), name)
        common = {"key": key, "code": code, "windowsVirtualKeyCode": virtual}
        await self.call("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **common)

    async def screenshot(self, path: Path) -> Path:
        """Save the page as a PNG at ``path``."""
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        """Close the DevTools connection (the browser keeps running)."""
        await self._socket.close()
        await self._reader
        await self._session.close()


__all__ = ["KEYS", "SCREEN_READER", "DevToolsError", "DevToolsPage"]
