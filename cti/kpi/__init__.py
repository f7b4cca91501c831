"""Queue statistics with one definition (stdlib only): queue_log lines → stints → figures.

The live wall-board and the historical reports both count with this package; see
docs/statistics.md for the definitions.
"""

from cti.kpi.agent_time import AgentBook, AgentFigures, agent_figures
from cti.kpi.callers import CallerFigures, caller_figures
from cti.kpi.figures import QueueFigures, QueueRules, queue_figures, tally
from cti.kpi.intervals import Interval, period_start
from cti.kpi.queue_log import NONE, QueueLogError, QueueLogLine, parse_line
from cti.kpi.stints import Blocked, Blocking, CallView, Outcome, Stint, StintBook, calls

__all__ = [
    "NONE",
    "AgentBook",
    "AgentFigures",
    "Blocked",
    "Blocking",
    "CallView",
    "CallerFigures",
    "Interval",
    "Outcome",
    "QueueFigures",
    "QueueLogError",
    "QueueLogLine",
    "QueueRules",
    "Stint",
    "StintBook",
    "agent_figures",
    "caller_figures",
    "calls",
    "parse_line",
    "period_start",
    "queue_figures",
    "tally",
]
