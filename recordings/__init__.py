"""Call recordings: naming, index, retention, access and export."""
