"""Node leases: which process holds a singleton (an Asterisk's edge, a worker's job) now.

A lease row has a holder, an epoch and an expiry. Whoever takes a free or lapsed lease
raises its epoch, and every write the holder makes afterwards carries that epoch: the
write is refused once a newer epoch exists or the lease has lapsed, so a process that was
paused past its expiry cannot write after it wakes (docs/scale-out.md).
"""
