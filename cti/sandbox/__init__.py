"""A real Asterisk 22 on loopback for the demo and the tests."""

from cti.sandbox.errors import NeedsRootError, SandboxError
from cti.sandbox.layout import SandboxLayout
from cti.sandbox.sandbox import Sandbox, UpResult
from cti.sandbox.state import SandboxState

__all__ = [
    "NeedsRootError",
    "Sandbox",
    "SandboxError",
    "SandboxLayout",
    "SandboxState",
    "UpResult",
]
