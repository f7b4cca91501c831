"""Agents: sign-in to queues, pause, wrap-up and the post-call survey opt-in."""
