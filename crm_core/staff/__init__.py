"""Staff: agents, supervisors and administrators, their queues and API tokens."""
