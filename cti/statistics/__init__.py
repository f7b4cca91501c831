"""Statistics: Asterisk's queue_log read continuously, and the reports over it."""
