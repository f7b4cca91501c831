"""Caller self-service: member PINs, PIN attempts and lock-outs, IVR callbacks and survey calls."""
