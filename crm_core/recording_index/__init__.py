"""The index of call recordings: which file belongs to which call, member and agent.

The files themselves are Asterisk's; the ``recordings`` package names, reads, exports
and purges them through this index.
"""
