"""queue_log lines → stints, on hand-written lines as Asterisk 22 writes them: every
outcome, both attended-transfer forms, a call moved between queues, blocked calls, a
log that begins mid-call, and malformed lines refused with the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cti.kpi import (
    Blocked,
    Blocking,
    Outcome,
    QueueLogError,
    StintBook,
    calls,
    parse_line,
)
from cti.kpi.ingest import feed_block
from tests.support.paths import ROOT

T0 = 1_765_000_000


def book(*lines: str) -> StintBook:
    return StintBook().feed_all(parse_line(line) for line in lines)


def enter(call: str, queue: str = "hotline", at: int = T0, caller: str = "13800000001") -> str:
    return f"{at}|{call}|{queue}|NONE|ENTERQUEUE||{caller}|1"


def test_an_answered_call_takes_wait_and_talk_from_the_data_fields_not_the_stamps() -> None:
    (stint,) = book(
        enter("1.1"),
        f"{T0 + 9}|1.1|hotline|PJSIP/6001|CONNECT|7|1.5|2",  # stamps say 9, Asterisk says 7
        f"{T0 + 200}|1.1|hotline|PJSIP/6001|COMPLETECALLER|7|185|1",
    ).stints
    assert (stint.outcome, stint.wait, stint.talk, stint.agent) == (
        Outcome.ANSWERED, 7, 185, "PJSIP/6001",
    )  # fmt: skip
    assert (stint.caller, stint.completed_by, stint.transferred) == (
        "13800000001", "COMPLETECALLER", False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ending", "outcome", "wait"),
    [
        ("ABANDON|1|1|12", Outcome.ABANDONED, 12),
        ("EXITWITHTIMEOUT|1|1|60", Outcome.TIMED_OUT, 60),
        ("EXITWITHKEY|5|1|1|14", Outcome.KEY_EXIT, 14),
        ("EXITEMPTY|1|1|3", Outcome.EXIT_EMPTY, 3),
        ("WITHDRAW|1|1|8|moved", Outcome.WITHDRAWN, 8),
        ("SYSCOMPAT", Outcome.FAILED, None),
    ],
)
def test_each_ending_line_gives_its_one_outcome_and_the_wait_it_states(
    ending: str, outcome: Outcome, wait: int | None
) -> None:
    stints = book(enter("1.1"), f"{T0 + 99}|1.1|hotline|NONE|{ending}").stints
    assert [(s.outcome, s.wait) for s in stints] == [(outcome, wait)]
    if outcome is Outcome.KEY_EXIT:
        assert stints[0].key == "5"


def test_only_the_first_ending_counts() -> None:
    (stint,) = book(
        enter("1.1"),
        f"{T0 + 5}|1.1|hotline|NONE|ABANDON|1|1|5",
        f"{T0 + 6}|1.1|hotline|NONE|EXITWITHTIMEOUT|1|1|6",  # a stray second ending
    ).stints
    assert (stint.outcome, stint.wait) == (Outcome.ABANDONED, 5)


@pytest.mark.parametrize(
    ("transfer", "wait", "talk"),
    [
        ("BLINDTRANSFER|2001|default|4|33|1", 4, 33),
        ("ATTENDEDTRANSFER|BRIDGE|b7e1-4c|4|35|1", 4, 35),
        ("ATTENDEDTRANSFER|APP|Dial|4|36|1", 4, 36),
        ("ATTENDEDTRANSFER|LINK|PJSIP/6001-1|PJSIP/6002-2|4|37|1", 4, 37),
    ],
)
def test_transfers_end_an_answered_stint_with_the_talk_of_their_own_form(
    transfer: str, wait: int, talk: int
) -> None:
    (stint,) = book(
        enter("1.1"),
        f"{T0 + 4}|1.1|hotline|PJSIP/6001|CONNECT|4|1.5|1",
        f"{T0 + 40}|1.1|hotline|PJSIP/6001|{transfer}",
    ).stints
    assert (stint.outcome, stint.wait, stint.talk, stint.transferred) == (
        Outcome.ANSWERED, wait, talk, True,
    )  # fmt: skip


def test_an_attended_transfer_without_a_connect_line_is_still_answered() -> None:
    (stint,) = book(
        enter("1.1"), f"{T0 + 40}|1.1|hotline|PJSIP/6001|ATTENDEDTRANSFER|BRIDGE|b1|6|30|1"
    ).stints
    assert (stint.outcome, stint.wait, stint.talk, stint.ended_at) == (
        Outcome.ANSWERED, 6, 30, T0 + 10,
    )  # fmt: skip


def test_a_call_moved_between_queues_is_two_stints_and_one_answered_call() -> None:
    followed = book(
        enter("1.1", "hotline"),
        f"{T0 + 30}|1.1|hotline|NONE|EXITWITHKEY|2|1|1|30",
        enter("1.1", "vip", T0 + 31),
        f"{T0 + 40}|1.1|vip|PJSIP/6002|CONNECT|9|1.7|0",
        f"{T0 + 90}|1.1|vip|PJSIP/6002|COMPLETEAGENT|9|50|1",
        enter("2.1", "hotline", T0 + 50),
        f"{T0 + 60}|2.1|hotline|NONE|ABANDON|1|1|10",
    )
    assert [(s.queue, s.outcome) for s in followed.stints] == [
        ("hotline", Outcome.KEY_EXIT), ("vip", Outcome.ANSWERED), ("hotline", Outcome.ABANDONED),
    ]  # fmt: skip
    moved, abandoned = calls(followed.stints)
    assert (moved.call_id, len(moved.stints), moved.answered) == ("1.1", 2, True)
    assert (abandoned.answered, abandoned.outcome) == (False, Outcome.ABANDONED)


def test_blocked_calls_are_recorded_and_never_offered() -> None:
    followed = book(
        f"{T0}|3.1|hotline|NONE|FULL|",
        f"{T0}|3.2|hotline|NONE|JOINEMPTY|",
        f"{T0}|3.3|hotline|NONE|CLOSED|",
        f"{T0}|3.4|hotline|NONE|DIVERT_HOLDTIME|",
    )
    assert followed.stints == []
    assert [b.reason for b in followed.blocked] == [
        Blocking.FULL, Blocking.EMPTY, Blocking.CLOSED, Blocking.DIVERT,
    ]  # fmt: skip
    assert followed.blocked[0] == Blocked("3.1", "hotline", T0, Blocking.FULL)


def test_a_log_that_begins_mid_call_infers_the_entry_and_a_lost_ending_fails_the_stint() -> None:
    followed = book(
        f"{T0 + 50}|4.1|hotline|PJSIP/6001|COMPLETECALLER|20|30|1",  # entered at T0
        enter("5.1"),
        enter("5.1", at=T0 + 100),  # the same call enters again: its first ending was lost
    )
    inferred, lost, again = followed.stints
    assert (inferred.inferred, inferred.entered_at, inferred.outcome) == (
        True, T0, Outcome.ANSWERED,
    )  # fmt: skip
    assert (lost.outcome, again.outcome) == (Outcome.FAILED, None)
    assert followed.waiting() == [again]


def test_other_verbs_change_no_stint() -> None:
    followed = book(
        enter("1.1"),
        f"{T0 + 1}|1.1|hotline|PJSIP/6001|RINGNOANSWER|15000",
        f"{T0 + 2}|NONE|hotline|PJSIP/6001|PAUSE|lunch",
        f"{T0 + 3}|NONE|NONE|NONE|QUEUESTART|",
    )
    assert [s.outcome for s in followed.stints] == [None]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1765000000|1.1|hotline|NONE", "4 fields"),
        ("yesterday|1.1|hotline|NONE|ENTERQUEUE", "time is not epoch seconds"),
        ("1765000000|1.1|hotline|NONE|enterqueue", "not a queue_log verb"),
        ("1765000000||hotline|NONE|ENTERQUEUE", "empty call id"),
        ("1765000000|1.1|hotline|NONE|ENTER\rQUEUE", "control character"),
        ("1765000000|1.1|hotline|NONE|ENTERQUEUE|" + "x" * 5000, "longer than"),
    ],
)
def test_a_malformed_line_is_refused_with_the_reason(line: str, reason: str) -> None:
    with pytest.raises(QueueLogError, match=reason):
        parse_line(line)


def test_a_known_verb_with_a_wait_that_is_not_a_number_is_refused() -> None:
    followed = book(enter("1.1"))
    with pytest.raises(QueueLogError, match="data1 is not a number of seconds"):
        followed.feed(parse_line(f"{T0 + 1}|1.1|hotline|PJSIP/6001|CONNECT|７|1.5|1"))


def test_fractions_of_seconds_are_kept_and_a_line_reads_back_as_written() -> None:
    line = parse_line("1765000000.25|1.1|hotline|NONE|ENTERQUEUE||13800000001|1")
    assert line.time == 1765000000.25
    written = f"{T0}|1.1|hotline|PJSIP/6001|CONNECT|7|1.5|2"
    assert parse_line(written).as_text() == written


def test_the_statistics_definitions_import_only_the_standard_library() -> None:
    probe = (
        "import sys, cti.kpi;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('panoramisk', 'crm_core', 'aiohttp', 'sqlalchemy', 'pydantic')"
        " or (m.startswith('cti.') and not m.startswith('cti.kpi')));"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


FAST_AND_SLOW = [
    enter("9.1"),
    f"{T0 + 3}|9.1|hotline|王芳|CONNECT|3|x|1",
    f"{T0 + 50}|9.1|hotline|王芳|ATTENDEDTRANSFER|LINK|c1|c2|3|47|1",
    f"{T0}.250|9.2|vip|NONE|ENTERQUEUE||13800000002|1",  # a fraction: the careful path
    f"{T0 + 9}|9.2|vip|NONE|EXITWITHKEY|5|1|1|9",
    f"{T0 + 9}|9.3|vip|NONE|FULL|",
    f"{T0 + 9}|NONE|vip|王芳|PAUSE|lunch",
    f"{T0 + 9}|9.4|vip|NONE|SOMENEWVERB|x",  # a verb of its own form: read, changes nothing
]


def test_the_fast_path_reading_text_makes_the_same_stints_as_parsed_lines() -> None:
    fast = StintBook()
    assert feed_block(fast, "\n".join(FAST_AND_SLOW) + "\n") == len(FAST_AND_SLOW)
    slow = book(*FAST_AND_SLOW)
    assert (fast.stints, fast.blocked) == (slow.stints, slow.blocked)
    assert [s.outcome for s in fast.stints] == [Outcome.ANSWERED, Outcome.KEY_EXIT]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{T0}|1.1|hotline|NONE", "4 fields"),
        (f"{T0}||hotline|NONE|ENTERQUEUE||1|1", "empty call id"),
        (f"x{T0}|1.1|hotline|NONE|ENTERQUEUE||1|1", "time is not epoch seconds"),
        (f"{T0}|1.1|hotline|NONE|enterqueue||1|1", "not a queue_log verb"),
        (f"{T0}|1.1|hotline|NONE|ABANDON|1|1|soon", "data3 is not a number"),
        (f"{T0}|1.1|hotline|NONE|ABANDON|1|1|3\r", "control character"),
        ("", "1 fields"),
        ("١٢٣|1.1|hotline|NONE|ENTERQUEUE||1|1", "time is not epoch seconds"),
        (f"{T0}|8.1|hotline|PJSIP/6001|CONNECT|seven|1.5|2", "data1 is not a number"),
        (f"{T0}|8.1|hotline|PJSIP/6001|COMPLETECALLER|7|٣|1", "data2 is not a number"),
        (f"{T0}|1.1|hotline|NONE|PAUSE|" + "x" * 5000, "longer than"),
        (f"{T0}|1.1|hotline|NONE|ENTERQUEUE\x00||1|1", "control character"),
    ],
)
def test_the_fast_path_refuses_what_parsing_refuses(text: str, reason: str) -> None:
    with pytest.raises(QueueLogError, match=reason):
        feed_block(StintBook(), f"{enter('8.1')}\n{text}\n")
