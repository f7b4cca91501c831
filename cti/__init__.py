"""The telephony service and composition root of ctidesk."""
