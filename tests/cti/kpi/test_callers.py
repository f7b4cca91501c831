"""The caller view: a call's stints joined by its id, counted once in the period of its
first entry, answered if its last stint was, its wait the sum of its stints' waits."""

from __future__ import annotations

from cti.kpi import CallerFigures, Interval, StintBook, caller_figures, calls, parse_line
from tests.support.stats import SHANGHAI, T0


def figures(*lines: str, interval: Interval = Interval.MIN30) -> list[CallerFigures]:
    book = StintBook().feed_all(parse_line(line) for line in lines)
    return caller_figures(calls(book.stints), interval=interval, zone=SHANGHAI)


def test_a_call_moved_between_queues_is_one_call_answered_by_its_last_queue() -> None:
    (row,) = figures(
        f"{T0}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 30}|1|hotline|NONE|EXITWITHTIMEOUT|1|1|30",
        f"{T0 + 31}|1|vip|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 41}|1|vip|王芳|CONNECT|10|x|1",
        f"{T0 + 101}|1|vip|王芳|COMPLETEAGENT|10|60|1",
    )
    assert (row.calls, row.stints, row.moved, row.answered, row.timed_out) == (1, 2, 1, 1, 0)
    assert (row.asa_s, row.max_wait_s, row.talk_s, row.answer_pct) == (40.0, 40, 60, 100.0)


def test_a_call_answered_then_lost_in_its_next_queue_counts_as_its_last_outcome() -> None:
    (row,) = figures(
        f"{T0}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 5}|1|hotline|Li Lei|CONNECT|5|x|1",
        f"{T0 + 65}|1|hotline|Li Lei|BLINDTRANSFER|700|ctidesk-queues|5|60|1",
        f"{T0 + 66}|1|vip|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 86}|1|vip|NONE|ABANDON|1|1|20",
        f"{T0 + 100}|2|vip|NONE|ENTERQUEUE||13800000002|1",
    )
    assert (row.calls, row.answered, row.abandoned, row.waiting) == (2, 0, 1, 1)
    assert (row.answer_pct, row.asa_s, row.avg_wait_s) == (0.0, None, 25.0)


def test_a_call_straddling_a_period_edge_counts_where_it_first_entered() -> None:
    rows = figures(
        f"{T0 + 1790}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 1820}|1|hotline|NONE|EXITWITHKEY|0|1|1|30",
        f"{T0 + 1821}|1|vip|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 1830}|1|vip|NONE|ABANDON|1|1|9",
        f"{T0 + 1900}|2|vip|NONE|ENTERQUEUE||13800000002|1",
        f"{T0 + 1903}|2|vip|NONE|ABANDON|1|1|3",
    )
    assert [(r.start.strftime("%H:%M"), r.calls, r.abandoned) for r in rows] == [
        ("09:00", 1, 1), ("09:30", 1, 1),
    ]  # fmt: skip


def test_no_calls_give_no_rows() -> None:
    assert figures(f"{T0}|NONE|hotline|王芳|ADDMEMBER|") == []
