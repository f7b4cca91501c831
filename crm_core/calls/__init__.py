"""The call log: one record per call, and the disposition codes agents close calls with."""
