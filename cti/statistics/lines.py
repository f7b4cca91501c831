"""A queue_log line as ``cti.kpi`` reads it and as the CRM stores it: one conversion each
way, for the reader of the file, ``ctidesk stats`` and the reports."""

from __future__ import annotations

from crm_core.queue_log.services import LogLine
from cti.kpi import QueueLogLine


def stored(line: QueueLogLine, text: str) -> LogLine:
    """``line`` (read from ``text``, its words as written) as the store keeps it."""
    data = "|".join(line.data)
    return LogLine(line.time, line.call_id, line.queue, line.agent, line.event, data, text)


def read_back(row: LogLine) -> QueueLogLine:
    """A stored line as ``cti.kpi`` counts it."""
    data = tuple(row.data.split("|")) if row.data else ()
    return QueueLogLine(row.time, row.call_id, row.queue, row.agent, row.event, data)


__all__ = ["read_back", "stored"]
