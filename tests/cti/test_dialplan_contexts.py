"""Every dialplan context the service sends calls into (`cti/bus/dialplan.py`) is wired in
the shipped dialplan and documented for operators who wire a PBX of their own."""

from __future__ import annotations

import re

import pytest

from cti.bus import dialplan
from tests.support.paths import ROOT

CONTEXTS = sorted(value for name, value in vars(dialplan).items() if name.endswith("_CONTEXT"))


def test_the_service_names_the_contexts_we_expect() -> None:
    assert {"ctidesk-dial", "ctidesk-queue", "conferences", "ctidesk-dialer",
            "ctidesk-preview"} <= set(CONTEXTS)  # fmt: skip


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_context_exists_in_extensions_conf(context: str) -> None:
    conf = (ROOT / "config/asterisk/extensions.conf").read_text()
    assert re.search(rf"^\[{re.escape(context)}\]", conf, re.MULTILINE), context


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_context_is_in_the_api_docs_table(context: str) -> None:
    docs = (ROOT / "docs/api.md").read_text()
    section = docs.split("## Dialplan contexts the service sends calls into", 1)[1]
    section = section.split("\n## ", 1)[0]
    assert f"| `{context}` |" in section, context
