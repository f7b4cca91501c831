"""The one-command demo: sandbox Asterisk, demo CRM, the service, demo calls, consoles."""

from cti.demo.calls import DemoCaller, DemoNumber
from cti.demo.check import CheckReport, run_check
from cti.demo.stack import DemoStack

__all__ = ["CheckReport", "DemoCaller", "DemoNumber", "DemoStack", "run_check"]
