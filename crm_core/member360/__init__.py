"""The member 360° view: everything an agent needs on one screen, in one service call."""
