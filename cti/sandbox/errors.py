"""Errors of the Asterisk sandbox."""

from __future__ import annotations


class SandboxError(Exception):
    """The sandbox could not do what was asked; the message says why and what to do."""


class NeedsRootError(SandboxError):
    """The operation needs root (chroot, mount) and the process is not root."""
