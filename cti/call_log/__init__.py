"""Call log: one record per call, written when it ends, merged forward as the call moves."""
