"""A real Asterisk 22 on loopback for the demo and the tests."""
