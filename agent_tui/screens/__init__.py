"""The console's screens: login, agent desk, member view, wall-board, and dialogs."""
