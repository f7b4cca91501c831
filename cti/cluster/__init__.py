"""Several service nodes over a NATS bus, PostgreSQL the one shared truth (docs/scale-out.md).

A node runs some of three roles: an **edge** next to one Asterisk (its AMI session, the
model, call control; it publishes what its domains push and answers control requests for
its calls), a **gateway** (the consoles' WebSockets, fed from the subjects its connected
users need; call control for another Asterisk's call goes to that Asterisk's edge), and a
**worker** (the singletons, each under a lease). Without a ``[nats] url`` none of this
loads: one process runs every role, as a single node always has.
"""
