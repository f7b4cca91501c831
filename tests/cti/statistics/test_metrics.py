"""GET /metrics: Prometheus' text format (read back by the official client's parser) with
today's figures from the queue_log the service reads, for a scraper that sends the
configured token; anyone else gets a 401, and without a token the route is not served."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from cti.service import CtiService
from cti.settings import StatsSettings
from tests.support.fake_ami import eventually
from tests.support.offline import offline_service

TOKEN = "metrics-token-of-the-site-0123456789"


def lines_of_today() -> list[str]:
    now = int(time.time()) - 120  # a minute or two ago: today, unless just after midnight
    return [
        f"{now}|1|hotline|NONE|ENTERQUEUE||13800000001|1",
        f"{now + 5}|1|hotline|王芳|CONNECT|5|x|1",
        f"{now + 65}|1|hotline|王芳|COMPLETECALLER|5|60|1",
        f"{now + 10}|2|hotline|NONE|ENTERQUEUE||13800000002|1",
        f"{now + 40}|2|hotline|NONE|EXITWITHTIMEOUT|1|1|30",
        f"{now + 20}|3|hotline|NONE|ENTERQUEUE||13800000003|1",
        f"{now + 24}|3|hotline|NONE|ABANDON|1|1|4",
    ]


@pytest.fixture
async def scraped(sqlite_url: str, tmp_path: Path) -> AsyncIterator[CtiService]:
    queue_log = tmp_path / "queue_log"
    queue_log.write_text("\n".join(lines_of_today()) + "\n", encoding="utf-8")
    stats = StatsSettings(queue_log=str(queue_log), poll_seconds=0.1,
                          metrics_token=SecretStr(TOKEN))  # fmt: skip
    async with offline_service(sqlite_url, stats) as service:
        tailer = service.statistics.tailer
        assert tailer is not None
        await eventually(lambda: tailer.steps > 0, within=10)
        yield service


async def get(service: CtiService, headers: dict[str, str]) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{service.port}/metrics"
        async with http.get(url, headers=headers) as response:
            kind = response.headers.get("Content-Type", "")
            return response.status, kind, await response.text()


async def test_a_scraper_with_the_token_reads_todays_figures(scraped: CtiService) -> None:
    status, kind, text = await get(scraped, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and kind.startswith("text/plain"), text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }

    def stints(outcome: str) -> float:
        return samples["ctidesk_queue_stints_total", (("outcome", outcome), ("queue", "hotline"))]

    assert (stints("answered"), stints("abandoned"), stints("timed_out")) == (1, 1, 1)
    assert (
        samples["ctidesk_queue_service_level_ratio", (("queue", "hotline"),)] == 0.3333
    )  # 33.33 %
    assert samples["ctidesk_queue_asa_seconds", (("queue", "hotline"),)] == 5
    assert samples["ctidesk_agent_answered_total", (("agent", "王芳"),)] == 1
    assert samples["ctidesk_agent_talk_seconds_total", (("agent", "王芳"),)] == 60


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-of-the-same-length-000"},
     {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
)  # fmt: skip
async def test_anyone_without_the_token_gets_a_401(
    scraped: CtiService, headers: dict[str, str]
) -> None:
    status, _kind, text = await get(scraped, headers)
    assert status == 401 and "invalid-metrics-token" in text and "hotline" not in text


async def test_without_a_token_in_the_settings_there_is_no_metrics_route(sqlite_url: str) -> None:
    async with offline_service(sqlite_url) as service:
        status, _kind, _text = await get(service, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 404


def test_a_short_token_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="metrics_token"):
        StatsSettings(metrics_token=SecretStr("short"))
