"""Today's live figures follow the queue_log lines through cti.kpi: they equal the
report's figures of the same lines, a line read twice counts once, the day starts again
at the site's midnight, and a call that entered before midnight stays in yesterday."""

from __future__ import annotations

from datetime import datetime

from cti.kpi import Interval, QueueRules, StintBook, parse_line, queue_figures
from cti.statistics.today import TodayBook, local_midnight
from tests.support.stats import SHANGHAI, T0, docs_example

RULES = QueueRules(service_level=20)


class Clock:
    """A clock the test moves."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


def today_at(at: float) -> tuple[TodayBook, Clock]:
    clock = Clock(at)
    return TodayBook(zone=SHANGHAI, rules=lambda _queue: RULES, clock=clock), clock


def test_todays_figures_equal_the_report_of_the_same_lines() -> None:
    lines = [parse_line(text) for text in docs_example()]
    today, _clock = today_at(T0 + 3600)
    touched: list[set[str]] = []
    today.on_change(lambda queues: touched.append(set(queues)))
    today.feed(lines[:5])
    today.feed(lines[5:])
    book = StintBook().feed_all(lines)
    (report,) = queue_figures(book.stints, book.blocked, interval=Interval.DAY, zone=SHANGHAI,
                              rules=lambda _queue: RULES)  # fmt: skip
    assert today.figures("hotline") == report
    assert (report.offered, report.abandoned, report.timed_out, report.sl_pct) == (6, 2, 1, 16.67)
    assert touched == [{"hotline"}, {"hotline"}]


def test_a_line_read_twice_counts_once() -> None:
    lines = [parse_line(text) for text in docs_example()]
    today, _clock = today_at(T0 + 3600)
    today.feed(lines)
    assert today.feed(lines) == set()  # a truncated file read again from its start
    assert today.figures("hotline").offered == 6


def test_the_day_starts_again_at_midnight_and_yesterdays_calls_stay_there() -> None:
    midnight = local_midnight(T0, SHANGHAI) + 86400
    assert datetime.fromtimestamp(midnight, SHANGHAI).hour == 0
    today, clock = today_at(midnight - 120)
    today.feed([parse_line(f"{midnight - 60}|1|hotline|NONE|ENTERQUEUE||13800000001|1")])
    assert today.figures("hotline").waiting == 1
    clock.at = midnight + 30
    today.feed([
        parse_line(f"{midnight + 10}|1|hotline|Li Lei|CONNECT|70|x|1"),
        parse_line(f"{midnight + 20}|2|hotline|NONE|ENTERQUEUE||13800000002|1"),
    ])  # fmt: skip
    figures = today.figures("hotline")
    assert (figures.offered, figures.answered, figures.waiting) == (1, 0, 1)
    assert figures.start == datetime.fromtimestamp(midnight, SHANGHAI)
