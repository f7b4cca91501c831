"""A pure state machine of channels, calls, bridges, queues and agents (stdlib only)."""
