"""Screen pop: look each caller up once and pop the member at the agents the call rings."""
