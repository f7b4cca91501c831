"""Recordings of live calls: start, pause, stop by policy or on demand; list, audio, legal hold."""
