"""The desk's record actions: service request, points, survey, note, knowledge base,
new member, member search and callbacks, as a mixin of :class:`DeskScreen`.

Each flow is a worker that asks with dialogs, sends one request, and shows the result or
the server's error; the member in the call's context is re-read after a change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import work

from agent_tui.client import ApiFailure, idempotency_key
from agent_tui.desk_state import CallContext
from agent_tui.screens.base import FramedScreen
from agent_tui.screens.callbacks import CallbacksScreen
from agent_tui.screens.dialogs import ChoiceScreen, ConfirmScreen, Field, FormScreen, TextScreen
from agent_tui.screens.member import MemberScreen

SURVEY = "phone-service-evaluation"


def _points(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) <= 1_000_000 else None


class RecordActions(FramedScreen):
    """The record flows of the agent desk (mixed into :class:`DeskScreen`)."""

    def _member_call(self) -> CallContext | None:
        call = self.console.desk.call
        return call if call is not None and call.member_number is not None else None

    async def _reload_member(self, call: CallContext, member_no: str) -> None:
        member = (await self.console.client.member(member_no)).summary()
        self.console.desk.ledgers.pop(member_no, None)  # the ledger panel reads it again
        latest = self.console.desk.calls.get(call.call_id, call)
        self.console.desk.calls[call.call_id] = replace(latest, member=member)
        self.redraw()

    @work(group="record")
    async def action_service_request(self) -> None:
        call = self._member_call()
        if call is None or call.member_number is None:
            return
        form = await self.app.push_screen_wait(
            FormScreen(
                "New service request",
                [
                    Field("subject", "Subject", f"Call from {call.caller}"),
                    Field(
                        "request_type",
                        "Type: repair enquiry complaint suggestion exchange",
                        "enquiry",
                    ),
                    Field("contact_phone", "Contact phone", call.caller),
                    Field("description", "Description"),
                ],
            )
        )
        if form is None:
            return
        body: dict[str, Any] = {
            **form,
            "member_number": call.member_number,
            "call_id": call.call_id,
        }
        body = {key: value for key, value in body.items() if value}
        with self.console.reporting("service request"):
            opened = await self.console.client.open_request(body)
            self.console.show_info(f"Service request {opened.number} opened")
            await self._reload_member(call, call.member_number)

    async def _points_change(self, verb: str, second: Field) -> None:
        call = self._member_call()
        if call is None or call.member_number is None:
            return
        form = await self.app.push_screen_wait(
            FormScreen(f"{verb.title()} points", [Field("points", "Points"), second])
        )
        if form is None:
            return
        points = _points(form["points"])
        if points is None or not form[second.name]:
            self.console.show_error(
                f"{verb}: give a positive number of points and the {second.name}"
            )
            return
        valid = call.member.points.valid if call.member is not None else 0
        after = valid + points if verb == "grant" else valid - points
        question = (
            f"{verb.title()} {points:,} points for {call.member_name} "
            f"({call.member_number})? Valid {valid:,} → {after:,}"
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            return
        key = idempotency_key()
        with self.console.reporting(f"{verb} points"):
            client = self.console.client
            number, call_id = call.member_number, call.call_id
            if verb == "grant":
                result = await client.grant(number, points, form["reason"], key, call_id)
            else:
                result = await client.redeem(number, points, form["item"], key, call_id)
            if result.status == "pending":
                self.console.show_info(
                    f"{verb.title()} of {points:,} points waits for a supervisor "
                    f"(approval {result.approval_id}: {result.needs})"
                )
                return
            self.console.show_info(
                f"{verb.title()}ed {abs(result.points):,} points: valid "
                f"{result.valid:,}, cumulative {result.cumulative:,}"
            )
            await self._reload_member(call, call.member_number)

    @work(group="record")
    async def action_grant(self) -> None:
        await self._points_change("grant", Field("reason", "Reason", "goodwill"))

    @work(group="record")
    async def action_redeem(self) -> None:
        await self._points_change("redeem", Field("item", "Redeemed for"))

    @work(group="record")
    async def action_note(self) -> None:
        call = self._member_call()
        if call is None or call.member_number is None:
            return
        form = await self.app.push_screen_wait(FormScreen("Note", [Field("text", "Note")]))
        if form is None or not form["text"]:
            return
        with self.console.reporting("note"):
            await self.console.client.note(call.member_number, form["text"], call.call_id)
            self.console.show_info("Note saved")

    @work(group="record")
    async def action_survey(self) -> None:
        call = self._member_call()
        if call is None:
            return
        with self.console.reporting("survey"):
            survey = await self.console.client.survey(SURVEY)
            answers = []
            for question in survey.questions:
                choices = [(str(option.id), option.shown) for option in question.options]
                picked = await self.app.push_screen_wait(ChoiceScreen(question.shown, choices))
                if picked is None:
                    self.console.show_info("Survey cancelled")
                    return
                answers.append({"question_id": question.id, "option_ids": [int(picked)]})
            response = await self.console.client.submit_survey(
                {
                    "questionnaire": survey.code,
                    "member_number": call.member_number,
                    "answers": answers,
                }
            )
            self.console.show_info(f"Survey saved (score {response.score or '-'})")

    @work(group="record")
    async def action_kb(self) -> None:
        form = await self.app.push_screen_wait(FormScreen("Knowledge base", [Field("q", "Search")]))
        if form is None or not form["q"]:
            return
        with self.console.reporting("knowledge search"):
            hits = await self.console.client.kb_search(form["q"])
            if not hits:
                self.console.show_info(f"No article for {form['q']!r}")
                return
            picked = await self.app.push_screen_wait(
                ChoiceScreen(f"{len(hits)} articles", [(str(hit.id), hit.title) for hit in hits])
            )
            if picked is not None:
                article = await self.console.client.kb_article(int(picked))
                await self.app.push_screen_wait(TextScreen(article.title, article.body))

    @work(group="record")
    async def action_new_member(self) -> None:
        call = self.console.desk.call
        phone = call.caller if call is not None else ""
        form = await self.app.push_screen_wait(
            FormScreen("New member", [Field("name", "Name"), Field("phone", "Phone", phone)])
        )
        if form is None or not form["name"]:
            return
        with self.console.reporting("new member"):
            created = await self.console.client.new_member(form["name"], form["phone"])
            self.console.show_info(f"Member {created.number} created")
            if call is not None:
                await self._reload_member(call, created.number)

    def action_member_view(self) -> None:
        call = self._member_call()
        if call is not None and call.member_number is not None:
            self.app.push_screen(MemberScreen(call.member_number))

    def action_callbacks(self) -> None:
        self.app.push_screen(CallbacksScreen())

    @work(group="record")
    async def action_find(self) -> None:
        form = await self.app.push_screen_wait(
            FormScreen("Find member", [Field("text", "Phone, member number, name, or card:NUMBER")])
        )
        if form is None or not form["text"]:
            return
        try:
            found = await self.console.client.find_members(form["text"])
        except ApiFailure as failure:
            self.console.show_error(f"find failed: {failure}")
            return
        if not found:
            self.console.show_info(f"No member for {form['text']!r}")
            return
        picked = await self.app.push_screen_wait(
            ChoiceScreen(
                f"{len(found)} members",
                [(hit.number, f"{hit.number} {hit.name}") for hit in found],
            )
        )
        if picked is not None:
            self.app.push_screen(MemberScreen(picked))


__all__ = ["RecordActions"]
