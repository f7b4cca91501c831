"""The sound files the flows play (Asterisk core sounds, so every sandbox has them)."""

from __future__ import annotations

ENTER_CODE = "conf-getpin"  # "Please enter the conference pin number" — our PIN / number tail
ENTER_NUMBER = "vm-enter-num-to-call"  # member or card number
ENTER_PIN = "agent-pass"  # "Please enter your password"
WRONG = "auth-incorrect"
THANKS = "auth-thankyou"
LOCKED = "im-sorry"
YOU_HAVE = "vm-youhave"
EXPIRING = "queue-less-than"
OPTIONS = "vm-options"
INVALID = "pm-invalid-option"
HOLD_FOR_AGENT = "pls-hold-while-try"
GOODBYE = "vm-goodbye"
MENU = "basic-pbx-ivr-main"
CLOSED = "vm-nobodyavail"
QUESTION = "beep"
REACH_AGENT = "vm-reachoper"
