"""Asterisk's queue_log lines as read, kept so any statistic can be recomputed."""
