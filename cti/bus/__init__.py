"""The shared telephony core the domains plug into.

The AMI-to-model bridge and its domain events, actions to Asterisk, a call's legs, the
agent directory, caller matches, the dialplan's names, and the wiring each domain's
``plugin.load`` receives.
"""
