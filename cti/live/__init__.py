"""Live views of queues, agents and calls, and their pushes to the consoles."""
