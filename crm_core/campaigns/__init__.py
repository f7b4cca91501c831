"""Outbound campaigns: campaigns, their lead lists, dial attempts, suppression and consent."""
