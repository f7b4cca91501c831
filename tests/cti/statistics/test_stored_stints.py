"""Reports from the stored stints (summed by the database per quarter hour) equal the
reports recomputed from the stored lines, on SQLite and PostgreSQL, for every outcome,
transfers, measured wrap-ups, blocked calls, short abandons and every interval; a call's
stints follow its lines as they arrive in several reads, and a line whose data are not
numbers is kept but leaves the stints of the others intact."""

from __future__ import annotations

import random
from datetime import date

import pytest

from crm_core.queue_log.services import LogLine
from crm_core.wiring import Crm
from cti.kpi import Interval, QueueRules, parse_line
from cti.statistics.lines import stored
from cti.statistics.reports import Window, queue_report, queue_report_from_lines
from cti.statistics.stored import rebuild_stints
from tests.support.stats import SHANGHAI, T0

DAY = date(2026, 12, 7)


def rules(queue: str) -> QueueRules:
    return QueueRules(service_level=10 if queue == "vip" else 20, short_abandon=5)


def a_morning(calls: int, seed: int = 7) -> list[str]:
    """Lines of ``calls`` calls between 09:00 and 13:00, every kind of ending."""
    rng = random.Random(seed)
    texts = []
    for n in range(calls):
        at, call = T0 + n * 14_400 // calls, f"{T0}.{n}"
        queue, agent = rng.choice(("hotline", "vip")), rng.choice(("王芳", "Li Lei"))
        wait, talk, roll = rng.randrange(40), rng.randrange(1, 300), rng.random()
        texts.append(f"{at}|{call}|{queue}|NONE|ENTERQUEUE||1380000{n:04d}|1")
        end = at + wait
        if roll < 0.15:
            texts.append(f"{end}|{call}|{queue}|NONE|ABANDON|1|1|{wait}")
        elif roll < 0.2:
            texts.append(f"{end}|{call}|{queue}|NONE|EXITWITHTIMEOUT|1|1|{wait}")
        elif roll < 0.23:
            texts.append(f"{end}|{call}|{queue}|NONE|EXITWITHKEY|0|1|1|{wait}")
        elif roll < 0.26:
            texts.append(f"{at}|{call}|{queue}|NONE|FULL|")
        elif roll < 0.3:
            texts.append(f"{end}|{call}|{queue}|{agent}|CONNECT|{wait}|x|1")  # still talking
        else:
            texts.append(f"{end}|{call}|{queue}|{agent}|CONNECT|{wait}|x|1")
            verb = rng.choice(("COMPLETECALLER|{w}|{t}|1", "COMPLETEAGENT|{w}|{t}|1",
                               "BLINDTRANSFER|700|ctx|{w}|{t}|1",
                               "ATTENDEDTRANSFER|LINK|c1|c2|{w}|{t}|1"))  # fmt: skip
            texts.append(f"{end + talk}|{call}|{queue}|{agent}|{verb.format(w=wait, t=talk)}")
            if rng.random() < 0.5:
                wrapup = rng.randrange(60)
                texts.append(f"{end + talk + 9}|{call}|{queue}|{agent}|WRAPUPEND|{wrapup}")
    return texts


async def store(crm: Crm, texts: list[str]) -> None:
    lines: list[LogLine] = [stored(parse_line(text), text) for text in texts]
    await crm.queue_log.add("pbx1", lines, rebuild=rebuild_stints)


@pytest.mark.parametrize("interval", [Interval.MIN15, Interval.MIN30, Interval.HOUR, Interval.DAY])
async def test_stored_stints_report_what_the_lines_report(any_crm: Crm, interval: Interval) -> None:
    texts = a_morning(400)
    await store(any_crm, texts[: len(texts) // 2])  # two reads: calls cut in the middle
    await store(any_crm, texts[len(texts) // 2 :])
    window = Window(DAY, DAY, SHANGHAI)
    from_stints = await queue_report(any_crm, window, interval, rules)
    from_lines = await queue_report_from_lines(any_crm, window, interval, rules)
    assert from_stints == from_lines
    assert {row.queue for row in from_stints.rows} == {"hotline", "vip"}
    totals = [sum(getattr(r, name) for r in from_stints.rows)
              for name in ("offered", "transfers", "short_abandons")]  # fmt: skip
    assert totals[0] > 300 and totals[1] > 0 and totals[2] > 0
    only_vip = await queue_report(any_crm, window, interval, rules, "vip")
    assert only_vip.rows == tuple(r for r in from_lines.rows if r.queue == "vip")


@pytest.mark.parametrize("level", [0, 7, 20, 45, 3600])
async def test_the_kept_totals_give_the_stints_figures_under_any_service_level(
    any_crm: Crm, level: int
) -> None:
    """The totals count waits up to 20 s; other levels are corrected from the stints."""
    texts = a_morning(300, seed=11)
    await store(any_crm, texts[::2])  # the lines in two reads, each call cut anywhere
    await store(any_crm, texts[1::2])

    def chosen(queue: str) -> QueueRules:
        return QueueRules(service_level=level if queue == "vip" else 30, short_abandon=level)

    window = Window(DAY, DAY, SHANGHAI)
    for interval in (Interval.MIN15, Interval.DAY):
        from_stints = await queue_report(any_crm, window, interval, chosen)
        assert from_stints == await queue_report_from_lines(any_crm, window, interval, chosen)
        assert len(from_stints.rows) >= 2


async def test_a_line_with_bad_numbers_leaves_the_other_stints_intact(any_crm: Crm) -> None:
    await store(any_crm, [
        f"{T0}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{T0 + 5}|1|hotline|NONE|ABANDON|1|1|soon",  # Asterisk never writes this
        f"{T0 + 9}|2|hotline|NONE|ENTERQUEUE||13800000002|1",
        f"{T0 + 12}|2|hotline|NONE|ABANDON|1|1|3",
    ])  # fmt: skip
    (row,) = (await queue_report(any_crm, Window(DAY, DAY, SHANGHAI), Interval.DAY, rules)).rows
    assert (row.offered, row.abandoned, row.short_abandons) == (2, 1, 1)  # call 1 still waits
