"""Supervision: listen, whisper, barge, release, intercept, force sign-out or pause, notices."""
