"""Stints → a queue's figures per period: SL % against every unanswered outcome, short
abandons left out of it only, an empty period without a value, a call counted in the
period it entered, Asterisk's SL2 and the QoS beside ours, periods in the site's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from agent_tui import board_state
from crm_core.queue_log import totals
from cti.kpi import Interval, QueueRules, StintBook, parse_line, period_start, queue_figures, tally
from cti.kpi.figures import WAIT_BOUNDS, WAIT_BUCKETS
from tests.support.stats import SHANGHAI, T0, docs_example

NEW_YORK = ZoneInfo("America/New_York")


def answered(call: str, at: int, wait: int, talk: int, queue: str = "hotline") -> list[str]:
    return [
        f"{at}|{call}|{queue}|NONE|ENTERQUEUE||13800000001|1",
        f"{at + wait}|{call}|{queue}|PJSIP/6001|CONNECT|{wait}|x|1",
        f"{at + wait + talk}|{call}|{queue}|PJSIP/6001|COMPLETECALLER|{wait}|{talk}|1",
    ]


def left(call: str, at: int, verb: str, wait: int, queue: str = "hotline") -> list[str]:
    data = f"1|1|{wait}" if verb != "EXITWITHKEY" else f"0|1|1|{wait}"
    return [
        f"{at}|{call}|{queue}|NONE|ENTERQUEUE||13800000002|1",
        f"{at + wait}|{call}|{queue}|NONE|{verb}|{data}",
    ]


def followed(*groups: list[str]) -> StintBook:
    return StintBook().feed_all(parse_line(line) for group in groups for line in group)


def test_the_worked_example_of_the_docs() -> None:
    lines = [
        *answered("1", T0, wait=5, talk=120),
        *answered("2", T0 + 60, wait=25, talk=60),  # answered after the 20-s threshold
        *left("3", T0 + 120, "ABANDON", 3),  # a short abandon (< 5 s)
        *left("4", T0 + 180, "ABANDON", 40),
        *left("5", T0 + 240, "EXITWITHTIMEOUT", 60),
        *left("6", T0 + 300, "EXITWITHKEY", 12),
        f"{T0 + 360}|7|hotline|NONE|FULL|",
    ]
    assert docs_example() == lines  # the page shows exactly the lines counted here
    calls = followed(lines)
    rules = QueueRules(service_level=20, short_abandon=5)
    (figures,) = queue_figures(
        calls.stints, calls.blocked, interval=Interval.HOUR, zone=SHANGHAI,
        rules=lambda _queue: rules,
    )  # fmt: skip
    assert (figures.offered, figures.answered, figures.abandoned) == (6, 2, 2)
    assert (figures.timed_out, figures.key_exits, figures.short_abandons) == (1, 1, 1)
    assert figures.blocked == {"full": 1, "empty": 0, "closed": 0, "divert": 0}
    assert figures.answered_within_sl == 1
    assert figures.sl_pct == 20.0  # 1 ÷ (6 − 1 short abandon)
    assert (figures.asa_s, figures.max_wait_s, figures.talk_s, figures.aht_s) == (
        15.0,
        60,
        180,
        90.0,
    )
    assert figures.avg_wait_s == round((5 + 25 + 3 + 40 + 60 + 12) / 6, 2)
    # Asterisk's SL2: (abandoned within T: the 3-s one + answered within T) ÷ (its
    # abandoned: ABANDON ×2, time-out; answered ×2); Wazo's QoS: 1 of 2 answered.
    assert figures.asterisk_sl2_pct == 40.0
    assert figures.qos_pct == 50.0
    assert (figures.abandon_pct, figures.answer_pct) == (33.33, 33.33)
    assert figures.start == datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
    none = dict.fromkeys(WAIT_BUCKETS, 0)
    assert figures.answered_by_wait == none | {"0-10": 1, "21-30": 1}  # waits 5 and 25
    assert figures.abandoned_by_wait == none | {"0-10": 1, "31-60": 1}  # 3 and 40


def test_the_wait_buckets_take_whole_seconds_with_both_ends_included() -> None:
    waits = (0, 10, 11, 20, 21, 30, 31, 60, 61, 120, 121, 300, 301, 4000)
    lines = [line for n, wait in enumerate(waits) for line in answered(f"a{n}", T0, wait, 30)]
    lines += left("b", T0, "ABANDON", 301) + left("c", T0, "EXITWITHTIMEOUT", 15)
    calls = followed(lines)
    figures = tally("hotline", datetime(2026, 12, 7, tzinfo=SHANGHAI), calls.stints)
    assert list(WAIT_BUCKETS) == ["0-10", "11-20", "21-30", "31-60", "61-120", "121-300", "301+"]
    assert figures.answered_by_wait == {
        "0-10": 2, "11-20": 2, "21-30": 2, "31-60": 2, "61-120": 2, "121-300": 2, "301+": 2,
    }  # fmt: skip
    # Only abandons: a time-out is an unanswered outcome of its own, not in either.
    assert figures.abandoned_by_wait == dict.fromkeys(WAIT_BUCKETS, 0) | {"301+": 1}


def test_the_statistics_the_stored_totals_and_the_wall_board_share_the_wait_buckets() -> None:
    assert WAIT_BOUNDS == totals.WAIT_BOUNDS == board_state.WAIT_BUCKETS
    assert len(WAIT_BUCKETS) == len(totals.WAIT_COLUMNS) == len(WAIT_BOUNDS) + 1


def test_an_empty_period_has_no_service_level_not_zero() -> None:
    figures = tally("hotline", datetime(2026, 12, 7, tzinfo=SHANGHAI), [])
    assert (figures.offered, figures.sl_pct, figures.asa_s, figures.max_wait_s) == (
        0,
        None,
        None,
        None,
    )
    only_short = followed(left("1", T0, "ABANDON", 2)).stints
    short = tally("hotline", figures.start, only_short, rules=QueueRules(short_abandon=5))
    assert (short.offered, short.short_abandons, short.sl_pct) == (1, 1, None)


def test_a_call_is_counted_in_the_period_it_entered_even_when_it_ends_in_the_next() -> None:
    edge = T0 + 29 * 60 + 50  # 09:29:50, answered at 09:30:20
    calls = followed(answered("1", edge, wait=30, talk=100), answered("2", T0 + 1900, 1, 10))
    first, second = queue_figures(calls.stints, interval=Interval.MIN30, zone=SHANGHAI)
    assert (first.start.hour, first.start.minute, first.answered) == (9, 0, 1)
    assert (second.start.hour, second.start.minute, second.answered) == (9, 30, 1)


def test_a_caller_still_waiting_is_offered_but_not_yet_counted_against_the_level() -> None:
    calls = followed(answered("1", T0, 4, 10), [f"{T0 + 5}|2|hotline|NONE|ENTERQUEUE||139|1"])
    figures = tally("hotline", datetime(2026, 12, 7, 9, tzinfo=SHANGHAI), calls.stints)
    assert (figures.offered, figures.waiting, figures.sl_pct) == (2, 1, 100.0)


def test_transfers_are_counted_and_a_measured_wrap_up_goes_into_the_handling_time() -> None:
    calls = followed(
        [f"{T0}|1|hotline|NONE|ENTERQUEUE||138|1",
         f"{T0 + 3}|1|hotline|PJSIP/6001|CONNECT|3|x|1",
         f"{T0 + 63}|1|hotline|PJSIP/6001|BLINDTRANSFER|2001|default|3|60|1"],
        answered("2", T0 + 100, 2, 40),
    )  # fmt: skip
    figures = tally(
        "hotline", datetime(2026, 12, 7, 9, tzinfo=SHANGHAI), calls.stints,
        wrapup=lambda stint: 20 if stint.call_id == "2" else 0,
    )  # fmt: skip
    assert (figures.transfers, figures.talk_s, figures.aht_s) == (1, 100, 60.0)  # (60 + 60) / 2


def test_queues_and_periods_come_out_ordered() -> None:
    calls = followed(
        answered("1", T0 + 3700, 1, 1, queue="vip"),
        answered("2", T0, 1, 1, queue="vip"),
        answered("3", T0, 1, 1, queue="hotline"),
    )
    rows = queue_figures(calls.stints, interval=Interval.HOUR, zone=SHANGHAI)
    assert [(r.queue, r.start.hour) for r in rows] == [("hotline", 9), ("vip", 9), ("vip", 10)]


def test_days_weeks_and_months_start_at_local_midnight_across_a_dst_change() -> None:
    # 2026-03-08 is the day New York springs forward (a 23-hour day).
    late = datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK).timestamp()
    day = period_start(late, Interval.DAY, NEW_YORK)
    assert day.isoformat() == "2026-03-08T00:00:00-05:00"  # midnight, before the change
    assert period_start(late, Interval.WEEK, NEW_YORK).isoformat() == "2026-03-02T00:00:00-05:00"
    assert period_start(late, Interval.MONTH, NEW_YORK).isoformat() == "2026-03-01T00:00:00-05:00"
    after = period_start(late, Interval.MIN30, NEW_YORK)
    assert after.isoformat() == "2026-03-08T23:30:00-04:00"
