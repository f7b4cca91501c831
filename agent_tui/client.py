"""The console's REST client: one aiohttp session, the token in memory, errors as values.

No Textual here: the screens' workers call these coroutines and post what they return.
Every failure is an :class:`ApiFailure` carrying the server's ``error_id`` and message
(or ``unreachable`` when the service cannot be reached), so a screen shows it as it is.
Every response is decoded here, once, into its :mod:`cti.protocol` type: the screens read
attributes, and a response that does not fit its type is a :class:`ProtocolError`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from cti.protocol import (
    WEBSOCKET_PATH,
    AgentList,
    AgentState,
    ArticleHit,
    ArticleHits,
    ArticleText,
    CallbackTask,
    CallbackTasks,
    CallList,
    CallUpdate,
    ErrorBody,
    JsonObject,
    LedgerEntry,
    LoggedCall,
    LoggedCallPage,
    LoginGrant,
    MemberHit,
    MemberHits,
    MemberProfile,
    MemberRecord,
    NoteTaken,
    PointsChange,
    PointsLedger,
    ProtocolError,
    QueueChange,
    QueueList,
    QueueUpdate,
    RequestOpened,
    ScreenPop,
    SurveyForm,
    SurveyResult,
    WrapUpCode,
    WrapUpCodes,
    decode,
)

T = TypeVar("T")
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


class ApiFailure(Exception):
    """A request that failed: HTTP status (0 when unreachable), error id and message."""

    def __init__(self, status: int, error_id: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.path = path

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        code = f" ({self.status})" if self.status else ""
        return f"{where}{self.message}{code}"


@dataclass(frozen=True)
class Session:
    """Who is logged in: login, role, display name, extension and queues."""

    login: str
    role: str
    display_name: str
    extension: str | None
    queues: tuple[str, ...]

    @property
    def supervisor(self) -> bool:
        """Whether the wall-board and the supervisor actions are open to this user."""
        return self.role in ("supervisor", "admin")


def _refusal(status: int, reason: str | None, body: Any, request: str) -> ApiFailure:
    """The failure an error answer describes: its error body, else the HTTP reason."""
    try:
        error = decode(ErrorBody, body)
    except ProtocolError:  # not the service's error body (a proxy's page, say)
        error = ErrorBody()
    return ApiFailure(status, error.error_id, error.message or reason or "", request)


def _decoded(shape: type[T], body: Any, request: str) -> T:
    """A response decoded as ``shape``; one that does not fit is a ``bad-response`` failure."""
    try:
        return decode(shape, body)
    except ProtocolError as error:
        raise ApiFailure(0, "bad-response", str(error), request) from None


def idempotency_key() -> str:
    """A fresh key for one confirmed points change (a retry re-sends the same key)."""
    return f"tui-{uuid.uuid4().hex}"


class DeskClient:
    """REST calls of the console; ``token`` lives only in this object."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self.session: Session | None = None
        self._http: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP session (created on first use, in the running loop).

        After `close` no new session is made: a worker still running while the console
        exits gets a connection error instead of a session nobody would close.
        """
        if self._closed:
            raise aiohttp.ClientConnectionError("the console is closing")
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    @property
    def ws_url(self) -> str:
        """The console WebSocket's address."""
        return self.base_url.replace("http", "ws", 1) + WEBSOCKET_PATH

    async def close(self) -> None:
        """Close the HTTP session for good (the token is forgotten)."""
        self._closed = True
        self.token = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def request(
        self, method: str, path: str, *, json: JsonObject | None = None, params: Any = None
    ) -> Any:
        """Send one request; the decoded JSON (``None`` for 204) or :class:`ApiFailure`."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with self.http.request(
                method, self.base_url + path, json=json, params=params, headers=headers
            ) as response:
                if response.status == 204:
                    return None
                try:
                    body = await response.json(content_type=None)
                except ValueError:
                    body = {"message": (await response.text())[:200] or response.reason}
                if response.status >= 400:
                    raise _refusal(response.status, response.reason, body, f"{method} {path}")
                return body
        except (aiohttp.ClientConnectionError, TimeoutError) as error:
            detail = str(error) or type(error).__name__
            raise ApiFailure(0, "unreachable", f"service unreachable: {detail}", path) from None

    async def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` with query parameters (``None`` values left out)."""
        query = {key: value for key, value in params.items() if value is not None}
        return await self.request("GET", path, params=query or None)

    async def post(self, path: str, body: JsonObject | None = None) -> Any:
        """POST ``body`` (no body when ``None``)."""
        return await self.request("POST", path, json=body)

    async def read(self, shape: type[T], path: str, **params: Any) -> T:
        """GET ``path`` decoded as ``shape``."""
        return _decoded(shape, await self.get(path, **params), f"GET {path}")

    async def send(self, shape: type[T], path: str, body: JsonObject | None = None) -> T:
        """POST ``body`` to ``path``; the answer decoded as ``shape``."""
        return _decoded(shape, await self.post(path, body), f"POST {path}")

    # -- session ------------------------------------------------------------------------
    async def login(self, username: str, password: str) -> Session:
        """Log in; the token is kept in memory for the next requests."""
        grant = await self.send(
            LoginGrant, "/api/login", {"username": username, "password": password}
        )
        user = grant.user
        self.token = grant.token
        self.session = Session(
            login=user.login,
            role=grant.role,
            display_name=user.display_name or user.login,
            extension=user.extension,
            queues=tuple(seat.queue for seat in user.queues),
        )
        return self.session

    async def logout(self) -> None:
        """Revoke the token on the server and forget it."""
        if self.token is not None:
            await self.post("/api/logout")
            self.token = None

    # -- members ------------------------------------------------------------------------
    async def find_members(self, text: str) -> tuple[MemberHit, ...]:
        """Members by phone, card, member number or name prefix."""
        stripped = text.strip()
        if stripped.upper().startswith("CARD:"):
            found = await self.read(MemberHits, "/api/members", card=stripped[5:].strip())
        else:
            found = await self.read(MemberHits, "/api/members", q=stripped)
        return found.members

    async def call_pop(self, call_id: str) -> ScreenPop:
        """The pop the service matched for a live call of this desk (one it did not push here)."""
        return await self.read(ScreenPop, f"/api/calls/{call_id}/pop")

    async def callbacks(self) -> tuple[CallbackTask, ...]:
        """After-hours callback tasks due now, oldest first."""
        return (await self.read(CallbackTasks, "/api/callbacks")).callbacks

    async def callback_done(self, callback_id: int) -> CallbackTask:
        """Mark a callback task done."""
        return await self.send(CallbackTask, f"/api/callbacks/{callback_id}/done")

    async def member(self, member_no: str) -> MemberRecord:
        """A member's 360° view."""
        return await self.read(MemberRecord, f"/api/members/{member_no}")

    async def ledger(self, member_no: str) -> tuple[LedgerEntry, ...]:
        """A member's points ledger, newest first."""
        return (await self.read(PointsLedger, f"/api/members/{member_no}/ledger")).lines

    async def new_member(self, name: str, phone: str) -> MemberProfile:
        """Create a member for an unknown caller."""
        return await self.send(MemberProfile, "/api/members", {"name": name, "phones": [phone]})

    async def grant(
        self, member_no: str, points: int, reason: str, key: str, call_id: str | None = None
    ) -> PointsChange:
        """Give points on the call ``call_id``; the balance after (or the approval it awaits)."""
        body = {"points": points, "reason": reason, "idempotency_key": key, "call_id": call_id}
        return await self.send(PointsChange, f"/api/members/{member_no}/points/grant", body)

    async def redeem(
        self, member_no: str, points: int, item: str, key: str, call_id: str | None = None
    ) -> PointsChange:
        """Redeem points on the call ``call_id`` (a PIN typed in the IVR on it verifies the
        member); the balance after, or the approval it awaits."""
        body = {"points": points, "item": item, "idempotency_key": key, "call_id": call_id}
        return await self.send(PointsChange, f"/api/members/{member_no}/points/redeem", body)

    async def note(self, member_no: str, text: str, call_id: str | None) -> NoteTaken:
        """A note on the member."""
        body = {"text": text, "call_id": call_id}
        return await self.send(NoteTaken, f"/api/members/{member_no}/notes", body)

    async def open_request(self, body: JsonObject) -> RequestOpened:
        """A new service request."""
        return await self.send(RequestOpened, "/api/service-requests", body)

    async def kb_search(self, words: str) -> tuple[ArticleHit, ...]:
        """Knowledge-base hits, best first."""
        return (await self.read(ArticleHits, "/api/kb/search", q=words)).hits

    async def kb_article(self, article_id: int) -> ArticleText:
        """One article."""
        return await self.read(ArticleText, f"/api/kb/articles/{article_id}")

    async def survey(self, code: str) -> SurveyForm:
        """A published questionnaire."""
        return await self.read(SurveyForm, f"/api/surveys/{code}")

    async def submit_survey(self, body: JsonObject) -> SurveyResult:
        """A survey answered with the caller."""
        return await self.send(SurveyResult, "/api/survey-responses", body)

    async def dispositions(self, queue: str | None) -> tuple[WrapUpCode, ...]:
        """Disposition codes for a call of ``queue``."""
        return (await self.read(WrapUpCodes, "/api/dispositions", queue=queue)).codes

    async def call_records(self, **filters: Any) -> tuple[LoggedCall, ...]:
        """A page of the call log, newest first."""
        return (await self.read(LoggedCallPage, "/api/call-records", **filters)).calls

    # -- agent and live state -------------------------------------------------------------
    async def sign_in(self) -> tuple[str, ...]:
        """Sign in to the user's queues."""
        return (await self.send(QueueChange, "/api/agent/signin", {})).queues

    async def sign_out(self) -> tuple[str, ...]:
        """Sign out of every queue."""
        return (await self.send(QueueChange, "/api/agent/signout", {})).queues

    async def pause(self, reason: str) -> None:
        """Pause with a reason."""
        await self.post("/api/agent/pause", {"reason": reason})

    async def unpause(self) -> None:
        """Ready again."""
        await self.post("/api/agent/unpause")

    async def wrap_up(self, call_id: str, disposition: str, note: str | None) -> None:
        """Close the call with a disposition; ends wrap-up."""
        await self.post(
            "/api/agent/wrapup", {"call_id": call_id, "disposition": disposition, "note": note}
        )

    async def live(
        self,
    ) -> tuple[tuple[QueueUpdate, ...], tuple[AgentState, ...], tuple[CallUpdate, ...]]:
        """Queues, agents and calls as the service sees them now (for a resync)."""
        queues = (await self.read(QueueList, "/api/queues")).queues
        agents = (await self.read(AgentList, "/api/agents")).agents
        calls = (await self.read(CallList, "/api/calls")).calls
        return queues, agents, calls


class CallControlClient:
    """Call-control and supervisor routes (issue 5), all paths in this one place.

    Until the service has them it answers 404/405, which arrives as an :class:`ApiFailure`
    the console shows like any other error.
    """

    def __init__(self, client: DeskClient) -> None:
        self._client = client

    async def _call(self, call_id: str, action: str, body: JsonObject | None = None) -> Any:
        return await self._client.post(f"/api/calls/{call_id}/{action}", body)

    async def dial(self, number: str, agent: str | None = None) -> Any:
        """Click-to-dial from the agent's phone (or ``agent``'s, for a supervisor call-back)."""
        body: JsonObject = {"number": number}
        if agent is not None:
            path = f"/api/supervisor/agents/{quote(agent, safe='')}/dial"
            return await self._client.post(path, body)
        return await self._client.post("/api/calls/dial", body)

    async def hold(self, call_id: str) -> Any:
        """Put the caller on hold."""
        return await self._call(call_id, "hold")

    async def retrieve(self, call_id: str) -> Any:
        """Take the caller back from hold."""
        return await self._call(call_id, "retrieve")

    async def transfer(self, call_id: str, target: str, mode: str) -> Any:
        """Transfer blind or attended to an agent, a queue or a number."""
        return await self._call(call_id, "transfer", {"target": target, "mode": mode})

    async def transfer_complete(self, call_id: str) -> Any:
        """Complete an attended transfer."""
        return await self._call(call_id, "transfer/complete")

    async def transfer_cancel(self, call_id: str) -> Any:
        """Cancel an attended transfer (back to the caller)."""
        return await self._call(call_id, "transfer/cancel")

    async def conference(self, call_id: str, target: str) -> Any:
        """Bring a third party in."""
        return await self._call(call_id, "conference", {"target": target})

    async def hang_up(self, call_id: str) -> Any:
        """Hang up the call."""
        return await self._call(call_id, "hangup")

    async def dtmf(self, call_id: str, digits: str) -> Any:
        """Send digits (second-stage dialling)."""
        return await self._call(call_id, "dtmf", {"digits": digits})

    async def spy(self, call_id: str, mode: str) -> Any:
        """Listen, whisper or barge on a call."""
        return await self._client.post(f"/api/supervisor/calls/{call_id}/spy", {"mode": mode})

    async def release(self, call_id: str) -> Any:
        """Force-release (hang up) a call."""
        return await self._client.post(f"/api/supervisor/calls/{call_id}/release")

    async def intercept(self, call_id: str) -> Any:
        """Take a call to the supervisor's phone."""
        return await self._client.post(f"/api/supervisor/calls/{call_id}/intercept")

    async def force_sign_out(self, login: str) -> Any:
        """Sign an agent out of every queue."""
        return await self._client.post(f"/api/supervisor/agents/{login}/signout")

    async def force_pause(self, login: str, reason: str) -> Any:
        """Pause an agent."""
        return await self._client.post(f"/api/supervisor/agents/{login}/pause", {"reason": reason})

    async def notice(self, text: str, queue: str | None = None) -> Any:
        """A broadcast notice to every console (or one queue's)."""
        body: JsonObject = {"text": text}
        if queue:
            body["queue"] = queue
        return await self._client.post("/api/supervisor/notice", body)


__all__ = [
    "ApiFailure",
    "CallControlClient",
    "DeskClient",
    "JsonObject",
    "Session",
    "idempotency_key",
]
