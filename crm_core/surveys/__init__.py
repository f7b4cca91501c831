"""Questionnaires, their versions, responses and analysis."""
