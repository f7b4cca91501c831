"""The live dialer benchmark runs end to end on the sandbox (a tiny run; no timing asserted)."""

from __future__ import annotations

from bench.dialer_live import Options, lead_numbers, run
from bench.dialer_stamps import AmiTarget
from cti.bus import dialplan
from tests.support.asterisk import AsteriskServer

TINY = Options(agents=2, leads=6, answer_rate=0.5, no_answer_rate=0, talk_seconds=0.5,
               queue="large-equipment")  # fmt: skip
"""Three persons, two busy, one unallocated; a queue no other test signs agents in to."""


def test_the_lead_mix_follows_the_rates() -> None:
    kinds = [phone[-1] for phone in lead_numbers(Options(leads=500))]
    assert kinds.count(dialplan.CALLEE_PERSON) == 150
    assert kinds.count(dialplan.CALLEE_NO_ANSWER) == 100
    assert kinds.count(dialplan.CALLEE_BUSY) == kinds.count(dialplan.CALLEE_UNALLOCATED) == 125
    assert len(set(lead_numbers(Options(leads=500)))) == 500


async def test_a_tiny_run_completes_and_its_counts_agree_with_the_crm(
    asterisk: AsteriskServer,
) -> None:
    target = AmiTarget(
        asterisk.ami_host, asterisk.ami_port, asterisk.ami_username, asterisk.ami_secret
    )
    found = await run(target, TINY)

    assert found.complete
    assert found.dialled == 6
    assert found.answered == 3
    assert found.results.get("busy") == 2
    assert found.results.get("invalid") == 1
    assert found.consistent
    assert found.connect_ms["n"] == found.connected
