"""The inbound line: hours and holidays, VIP priority, inbound media and the menu.

Open: the caller is looked up by number and queued with a priority from the member
level (five-star first: ``QUEUE_PRIO`` = level), the DID's inbound medium is set on the
channel, and the menu picks the queue (``CTIDESK_QUEUE``). Closed (after hours or on a
holiday): the caller leaves a voicemail (app_voicemail), recorded as a callback task
due when the centre next opens, linked to the member when the number is known.
"""

from __future__ import annotations

from datetime import timedelta

from ivr import prompts
from ivr.flows.common import RESULT, FlowDeps
from ivr.session import AgiSession

QUEUE = "CTIDESK_QUEUE"
MEDIA = "CTIDESK_MEDIA"
VOICEMAIL_SECONDS = 300
VOICEMAIL_FOLDERS = frozenset(
    ("INBOX", "Old", "Work", "Family", "Friends", "Urgent", *(f"Cust{n}" for n in range(1, 6)))
)
"""app_voicemail's folders: a new message lands in INBOX (Urgent when marked so)."""


async def choose_queue(session: AgiSession, deps: FlowDeps) -> str:
    """The menu: a key from the configured menu picks a queue; silence or a wrong key twice
    takes the default queue."""
    menu = deps.config.menu
    if not menu:
        return deps.config.default_queue
    for attempt in range(2):
        key = await session.read_key(
            prompts.MENU, wait=deps.config.keypad_timeout, allowed="".join(menu)
        )
        if key is not None:
            return menu[key]
        if attempt == 0:
            await session.play(prompts.INVALID)
    return deps.config.default_queue


async def after_hours(session: AgiSession, deps: FlowDeps, member: str | None) -> None:
    """Take a voicemail and leave a callback task for when the centre opens."""
    config = deps.config
    await session.set_variable(RESULT, "closed")
    box = config.voicemail_box
    linked_id = await session.variable("CHANNEL(linkedid)")
    now = deps.clock()
    due = config.hours.next_opening(now) or now + timedelta(days=1)
    message: str | None = None
    try:
        await session.play(prompts.CLOSED)
        await session.run_application("VoiceMail", f"{box},s", allow=VOICEMAIL_SECONDS)
    finally:  # a caller who hangs up to end the message still gets the callback
        message = message_name(await session.variable_after_hangup("VM_MESSAGEFILE"))
        await deps.crm.selfservice.leave_callback(
            caller=session.env.caller or "unknown", member_number=member, mailbox=box,
            message=message, due_at=due, call_linked_id=linked_id,
        )  # fmt: skip


def message_name(path: str | None) -> str | None:
    """The message app_voicemail saved (``VM_MESSAGEFILE``: ``…/INBOX/msg0003``) as
    ``INBOX/msg0003``; ``None`` when nothing was saved or the value is not one of its names."""
    if not path or "/." in path:
        return None
    folder, _, name = path.rpartition("/")
    folder = folder.rpartition("/")[2]
    if folder not in VOICEMAIL_FOLDERS or not (name.startswith("msg") and name[3:].isdigit()):
        return None
    return f"{folder}/{name}"


async def inbound_flow(session: AgiSession, deps: FlowDeps) -> None:
    """Route an inbound call: voicemail when closed, else priority, medium and menu."""
    caller = session.env.caller
    found = await deps.crm.directory.lookup(caller) if caller else []
    member = found[0] if len(found) == 1 else None
    if not deps.config.hours.is_open(deps.clock()):
        await after_hours(session, deps, member.number if member else None)
        return
    medium = deps.config.inbound_media.get(session.env.dialled)
    if medium:
        await session.set_variable(MEDIA, medium)
    await session.set_variable("QUEUE_PRIO", str(member.level if member else 0))
    await session.set_variable(QUEUE, await choose_queue(session, deps))
    await session.set_variable(RESULT, "queue")
