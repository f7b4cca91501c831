"""The audit trail of supervisor actions (listen, whisper, barge, release, intercept…)."""
