"""Asterisk's QueueParams counters recomputed from queue_log lines with Asterisk's own
definitions: from the last QUEUESTART, completed at call end, time-outs and empty exits
counted as abandoned but key exits not, within-SL by the wait."""

from __future__ import annotations

from cti.kpi import parse_line
from cti.kpi.asterisk_counters import AsteriskCounters, asterisk_counters
from tests.support.stats import T0


def counters(*texts: str, level: int = 20) -> dict[str, AsteriskCounters]:
    return asterisk_counters((parse_line(t) for t in texts), lambda _queue: level)


def test_asterisks_definitions_from_the_last_start() -> None:
    found = counters(
        f"{T0}|0|hotline|NONE|ENTERQUEUE||138|1",  # before the restart: forgotten
        f"{T0 + 1}|0|hotline|NONE|ABANDON|1|1|1",
        f"{T0 + 2}|NONE|NONE|NONE|QUEUESTART|",
        f"{T0 + 10}|1|hotline|NONE|ENTERQUEUE||138|1",
        f"{T0 + 15}|1|hotline|A|CONNECT|5|x|1",
        f"{T0 + 70}|1|hotline|A|COMPLETECALLER|5|55|1",
        f"{T0 + 10}|2|hotline|NONE|ENTERQUEUE||139|1",
        f"{T0 + 40}|2|hotline|A|CONNECT|30|x|1",  # still talking: not completed yet
        f"{T0 + 10}|3|hotline|NONE|ENTERQUEUE||137|1",
        f"{T0 + 13}|3|hotline|NONE|ABANDON|1|1|3",
        f"{T0 + 10}|4|hotline|NONE|ENTERQUEUE||136|1",
        f"{T0 + 70}|4|hotline|NONE|EXITWITHTIMEOUT|1|1|60",
        f"{T0 + 10}|5|hotline|NONE|ENTERQUEUE||135|1",
        f"{T0 + 12}|5|hotline|NONE|EXITWITHKEY|0|1|1|2",  # a key exit: not abandoned
    )
    hotline = found["hotline"]
    assert (hotline.completed, hotline.abandoned) == (1, 2)
    assert (hotline.completed_within_sl, hotline.abandoned_within_sl) == (1, 1)
    assert hotline.sl_perf == 100.0
    assert hotline.sl_perf2 == 100.0 * 2 / 3


def test_nothing_counted_shows_zero_as_asterisk_does() -> None:
    empty = AsteriskCounters("vip", 0, 0, 0, 0)
    assert (empty.sl_perf, empty.sl_perf2) == (0.0, 0.0)
    assert counters(f"{T0}|NONE|NONE|NONE|QUEUESTART|") == {}
