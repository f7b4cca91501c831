"""Agent and supervisor console (Textual); a network client of the service."""
